package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the pages, each templates/<name>.html inside layout.html.
var pageNames = []string{"signin", "connections", "add", "delete", "error"}

// pages holds each page's template, parsed once at start.
var pages = parsePages()

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"when":  formatTime,
		"brief": brief,
		"join":  strings.Join,
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return out
}

// formatTime shows a time in UTC to the minute, or "never".
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// briefLength bounds the reason a table row shows before it is opened: a
// reason can list a hundred missing actions.
const briefLength = 120

// brief is s cut at a word to about briefLength characters.
func brief(s string) string {
	runes := []rune(s)
	if len(runes) <= briefLength {
		return s
	}
	cut := string(runes[:briefLength])
	if i := strings.LastIndexAny(cut, " ,:;"); i > briefLength/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// pageData is what the layout renders around a page.
type pageData struct {
	Title   string
	Session *signedIn // nil when signed out
	Flash   string
	Page    any
}

// signedIn is what pages show of a session: never its API key, which no
// template can then print by mistake.
type signedIn struct {
	OrgName   string
	CanWrite  bool
	CSRFToken string
}

// render writes a whole page, or a 500 if its template fails, never half
// a page. A session's one-time message is shown and forgotten.
func (c *console) render(w http.ResponseWriter, r *http.Request, s *Session, status int, page, title string, content any) {
	data := pageData{Title: title, Page: content}
	if s != nil {
		data.Session = &signedIn{OrgName: s.OrgName, CanWrite: s.CanWrite, CSRFToken: s.CSRFToken}
	}
	if s != nil && s.Flash != "" {
		data.Flash, s.Flash = s.Flash, ""
		c.saveSession(r.Context(), *s)
	}
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		c.log.LogAttrs(r.Context(), slog.LevelError, "rendering a console page failed", slog.String("page", page), slog.String("error", err.Error()))
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows a message on a page of its own.
func (c *console) renderError(w http.ResponseWriter, r *http.Request, s *Session, status int, message string) {
	c.render(w, r, s, status, "error", http.StatusText(status), message)
}

func (c *console) notFound(w http.ResponseWriter, r *http.Request) {
	var s *Session
	if live, ok := c.currentSession(r); ok {
		s = &live
	}
	c.renderError(w, r, s, http.StatusNotFound, "There is no such page. Go to the connections.")
}

// redirectWithFlash sends the browser to path after a change, with a
// message for the page it lands on (post/redirect/get: a reload does not
// post again).
func (c *console) redirectWithFlash(w http.ResponseWriter, r *http.Request, s *Session, path, message string) {
	s.Flash = message
	c.saveSession(r.Context(), *s)
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// staticFiles serves the style sheet and the script. They change only with
// a new release, whose restart a browser notices within the hour.
func staticFiles() http.Handler {
	root, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory is there at build time
	}
	files := http.StripPrefix("/ui/static/", http.FileServerFS(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
