package oversight

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strings"
)

// reportTemplate is the archived page: one self-contained Persian
// document (its styles inline, no script, no link it needs to load), so
// that its digest covers everything a reader sees.
var reportTemplate = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:Vazirmatn,"Noto Sans Arabic",Tahoma,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.25rem;color:#1b1f24;line-height:1.7;background:#fff}
h1{color:#0b5c4a;font-size:1.6rem;margin:.5rem 0 0}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:2px solid #0b5c4a;padding-bottom:.25rem}
p.en{direction:ltr;text-align:left;color:#555d66;margin:0 0 1rem}
p.meta{color:#555d66;font-size:.9rem;margin:.25rem 0}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #cfd6dd;padding:.3rem .5rem;text-align:right;vertical-align:top}
th{background:#eef3f1}
tbody tr:nth-child(even){background:#f8faf9}
@media print{body{max-width:none}.wrap{overflow:visible}}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="en" lang="en" dir="ltr">{{.Subtitle}}</p>
{{range .Meta}}<p class="meta">{{.}}</p>
{{end}}</header>
<main>
{{range .Sections}}<section>
<h2>{{.Title}}</h2>
{{range .Paras}}<p>{{.}}</p>
{{end}}{{with .Table}}<div class="wrap"><table>
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th scope="row">{{$c}}</th>{{else}}<td>{{$c}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table></div>
{{end}}</section>
{{end}}</main>
</body>
</html>
`))

// renderHTML writes the report as its archived page.
func renderHTML(d reportData) ([]byte, error) {
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, d.layout()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// CSP returns the content security policy to serve the archived page
// with: its own inline styles (by their digest) and nothing else, so that
// the page stays self-contained and runs nothing.
func (r Report) CSP() string {
	csp := "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	html := string(r.HTML)
	if i := strings.Index(html, "<style>"); i >= 0 {
		if j := strings.Index(html[i:], "</style>"); j >= 0 {
			sum := sha256.Sum256([]byte(html[i+len("<style>") : i+j]))
			csp += "; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		}
	}
	return csp
}
