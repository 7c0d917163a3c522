package webui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// CookieName is the session cookie.
const CookieName = "tftsr_session"

// CSRFHeader carries the session's CSRF token on the JavaScript's writes;
// forms send it as the field "csrf".
const CSRFHeader = "X-CSRF-Token"

// session is one login. The cookie holds a random id; everything else
// stays on the server, so logging out or expiry ends it for good.
type session struct {
	csrf    string
	auditID string // a hash of the id: the audit log never holds a live cookie
	expires time.Time
}

type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]*session
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, now: now, m: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) create() (string, *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, s := range ss.m { // logins are rare: sweeping here bounds the map
		if now.After(s.expires) {
			delete(ss.m, id)
		}
	}
	id := randomToken()
	sum := sha256.Sum256([]byte(id))
	s := &session{csrf: randomToken(), auditID: "ui-" + hex.EncodeToString(sum[:8]), expires: now.Add(ss.ttl)}
	ss.m[id] = s
	return id, s
}

func (ss *sessions) find(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	if s == nil {
		return nil
	}
	if ss.now().After(s.expires) {
		delete(ss.m, id)
		return nil
	}
	return s
}

func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, id)
}

type sessionKey struct{}

func sessionFrom(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// authed lets a request with a live session through; a page without one
// is sent to /login, an API call gets 401. Every write must carry the
// session's CSRF token.
func (u *UI) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var s *session
		if c, err := r.Cookie(CookieName); err == nil {
			s = u.sess.find(c.Value)
		}
		if s == nil {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
				http.Error(w, "unauthorized: log in at /login", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get(CSRFHeader)
			if got == "" {
				got = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
				http.Error(w, "forbidden: missing or wrong CSRF token", http.StatusForbidden)
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, "login.html", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Error": ""})
}

// login exchanges the bearer token for a session.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := strings.TrimSpace(r.PostFormValue("token"))
	next := safeNext(r.PostFormValue("next"))
	want := u.opts.HTTP.Token
	if want == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(want)) != 1 {
		u.log.Warn("login refused", "remote", r.RemoteAddr)
		w.WriteHeader(http.StatusUnauthorized)
		u.render(w, r, "login.html", map[string]any{"Next": next, "Error": "That is not this server's token."})
		return
	}
	id, _ := u.sess.create()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(u.opts.SessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		u.sess.drop(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a path, never
// "//host" or a URL.
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") || strings.HasPrefix(n, "/login") {
		return "/issues"
	}
	return n
}
