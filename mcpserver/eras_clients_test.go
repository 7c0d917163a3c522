package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearer adds the test token to every request.
type bearer struct{ next http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+testToken)
	return b.next.RoundTrip(r)
}

// oldClient is mcp-go's client, which speaks 2025-11-25.
type oldClient struct {
	c     *client.Client
	proto string
	ch    chan struct{}
	prog  chan progressEvent
}

func connectOld(t testing.TB, e *eraServer) *oldClient {
	t.Helper()
	var c *client.Client
	var err error
	if e.url != "" {
		c, err = client.NewStreamableHttpClient(e.url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	} else {
		c = client.NewClient(transport.NewIO(e.out, e.stdin, nil))
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	oc := &oldClient{c: c, ch: make(chan struct{}, 16), prog: make(chan progressEvent, 1024)}
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		switch n.Method {
		case string(mcp.MethodNotificationResourcesListChanged):
			select {
			case oc.ch <- struct{}{}:
			default:
			}
		case string(mcp.MethodNotificationProgress):
			b, _ := json.Marshal(n.Params)
			var p struct {
				Token    string  `json:"progressToken"`
				Progress float64 `json:"progress"`
				Total    float64 `json:"total"`
			}
			if json.Unmarshal(b, &p) == nil {
				select {
				case oc.prog <- progressEvent{p.Token, p.Progress, p.Total, time.Now()}:
				default:
				}
			}
		}
	})
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-11-25"
	req.Params.ClientInfo = mcp.Implementation{Name: oldName, Version: oldVersion}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	oc.proto = res.ProtocolVersion
	return oc
}

func (o *oldClient) protocol() string         { return o.proto }
func (o *oldClient) changed() <-chan struct{} { return o.ch }

func (o *oldClient) tools(ctx context.Context) ([]string, error) {
	res, err := o.c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range res.Tools {
		names = append(names, t.Name)
	}
	return names, nil
}

func (o *oldClient) progress() <-chan progressEvent { return o.prog }

func (o *oldClient) callProgress(ctx context.Context, name string, args map[string]any, token string) (bool, string, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	req.Params.Meta = &mcp.Meta{ProgressToken: token}
	res, err := o.c.CallTool(ctx, req)
	if err != nil {
		return false, "", err
	}
	return res.IsError, text(res), nil
}

func (o *oldClient) call(ctx context.Context, name string, args map[string]any) (json.RawMessage, bool, string, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := o.c.CallTool(ctx, req)
	if err != nil {
		return nil, false, "", err
	}
	b, _ := json.Marshal(res.StructuredContent)
	return b, res.IsError, text(res), nil
}

func (o *oldClient) templates(ctx context.Context) ([]string, error) {
	res, err := o.c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range res.ResourceTemplates {
		out = append(out, t.URITemplate.Raw())
	}
	return out, nil
}

func (o *oldClient) prompts(ctx context.Context) ([]string, error) {
	res, err := o.c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range res.Prompts {
		out = append(out, p.Name)
	}
	return out, nil
}

func (o *oldClient) read(ctx context.Context, uri string) (int, error) {
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := o.c.ReadResource(ctx, req)
	if err != nil {
		return 0, err
	}
	return len(res.Contents), nil
}

func (o *oldClient) prompt(ctx context.Context, name string, args map[string]string) (int, error) {
	req := mcp.GetPromptRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := o.c.GetPrompt(ctx, req)
	if err != nil {
		return 0, err
	}
	return len(res.Messages), nil
}

// newClient is the official Go SDK's client, which speaks 2026-07-28.
type newClient struct {
	cs   *sdk.ClientSession
	ch   chan struct{}
	prog chan progressEvent
}

func connectNew(t testing.TB, e *eraServer) *newClient {
	t.Helper()
	nc := &newClient{ch: make(chan struct{}, 16), prog: make(chan progressEvent, 1024)}
	c := sdk.NewClient(&sdk.Implementation{Name: newName, Version: newVersion}, &sdk.ClientOptions{
		ResourceListChangedHandler: func(context.Context, *sdk.ResourceListChangedRequest) {
			select {
			case nc.ch <- struct{}{}:
			default:
			}
		},
		ProgressNotificationHandler: func(_ context.Context, r *sdk.ProgressNotificationClientRequest) {
			select {
			case nc.prog <- progressEvent{fmt.Sprint(r.Params.ProgressToken), r.Params.Progress, r.Params.Total, time.Now()}:
			default:
			}
		},
	})
	var tr sdk.Transport
	if e.url != "" {
		tr = &sdk.StreamableClientTransport{Endpoint: e.url, HTTPClient: &http.Client{Transport: bearer{http.DefaultTransport}}, MaxRetries: -1}
	} else {
		tr = &sdk.IOTransport{Reader: e.out, Writer: e.stdin}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := c.Connect(ctx, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	nc.cs = cs
	return nc
}

func (n *newClient) protocol() string {
	if r := n.cs.InitializeResult(); r != nil {
		return r.ProtocolVersion
	}
	return ""
}

func (n *newClient) changed() <-chan struct{} { return n.ch }

func (n *newClient) tools(ctx context.Context) ([]string, error) {
	var names []string
	for t, err := range n.cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		names = append(names, t.Name)
	}
	return names, nil
}

func (n *newClient) call(ctx context.Context, name string, args map[string]any) (json.RawMessage, bool, string, error) {
	return n.callParams(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
}

func (n *newClient) callParams(ctx context.Context, p *sdk.CallToolParams) (json.RawMessage, bool, string, error) {
	res, err := n.cs.CallTool(ctx, p)
	if err != nil {
		return nil, false, "", err
	}
	b, _ := json.Marshal(res.StructuredContent)
	var sb strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			sb.WriteString(t.Text)
		}
	}
	return b, res.IsError, sb.String(), nil
}

func (n *newClient) progress() <-chan progressEvent { return n.prog }

func (n *newClient) callProgress(ctx context.Context, name string, args map[string]any, token string) (bool, string, error) {
	p := &sdk.CallToolParams{Name: name, Arguments: args}
	p.SetProgressToken(token)
	_, isErr, txt, err := n.callParams(ctx, p)
	return isErr, txt, err
}

func (n *newClient) templates(ctx context.Context) ([]string, error) {
	var out []string
	for t, err := range n.cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, t.URITemplate)
	}
	return out, nil
}

func (n *newClient) prompts(ctx context.Context) ([]string, error) {
	var out []string
	for p, err := range n.cs.Prompts(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, p.Name)
	}
	return out, nil
}

func (n *newClient) read(ctx context.Context, uri string) (int, error) {
	res, err := n.cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: uri})
	if err != nil {
		return 0, err
	}
	return len(res.Contents), nil
}

func (n *newClient) prompt(ctx context.Context, name string, args map[string]string) (int, error) {
	res, err := n.cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: name, Arguments: args})
	if err != nil {
		return 0, err
	}
	return len(res.Messages), nil
}
