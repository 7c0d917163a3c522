package mcpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// checkMessage answers the requests mcp-go answers unhelpfully or against
// the spec, before it sees them, and reports whether the request may go
// on. It buffers a POST body (already bounded by MaxBytesReader); mcp-go
// buffers it again, so a body costs twice its size while it is read.
func checkMessage(w http.ResponseWriter, r *http.Request) bool {
	modern := mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion))
	method := ""
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			if errors.As(err, new(*http.MaxBytesError)) {
				http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
				return false
			}
			http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// mcp-go calls a batch "not valid json": the revisions it speaks
		// (2025-06-18 on) dropped JSON-RPC batching.
		if b := bytes.TrimLeft(body, " \t\r\n"); len(b) > 0 && b[0] == '[' {
			n := "a"
			var batch []json.RawMessage
			if json.Unmarshal(b, &batch) == nil {
				n = fmt.Sprintf("a %d-message", len(batch))
			}
			writeRPCError(w, http.StatusBadRequest, mcp.INVALID_REQUEST,
				"JSON-RPC batches are not supported: this body is "+n+" batch (a JSON array); MCP since 2025-06-18 takes one JSON-RPC message per POST, so send each request in its own POST")
			return false
		}
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Meta *mcp.Meta `json:"_meta"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &msg) != nil {
			return true // mcp-go answers a parse error
		}
		method = msg.Method
		modern = modern || mcp.IsModernProtocol(msg.Params.Meta.ProtocolVersion())
	}
	// The spec: a server that requires a session answers a request without
	// one (other than initialize) with 400; mcp-go answers 404, which
	// clients take for an expired session and start over.
	needs := r.Method == http.MethodPost || r.Method == http.MethodGet || r.Method == http.MethodDelete
	if needs && !modern && r.Header.Get(server.HeaderKeySessionID) == "" &&
		method != string(mcp.MethodInitialize) && method != string(mcp.MethodServerDiscover) {
		writeRPCError(w, http.StatusBadRequest, mcp.INVALID_REQUEST,
			"bad request: no "+server.HeaderKeySessionID+" header; send initialize first and then the session id it returns with every request")
		return false
	}
	return true
}

func writeRPCError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": code, "message": msg},
	})
}
