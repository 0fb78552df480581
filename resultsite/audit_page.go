package resultsite

// auditHTML is the public audit page. Like the results page it works
// under Content-Security-Policy default-src 'self': one linked
// stylesheet, no scripts, no inline styles.
const auditHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Risk-limiting audit: {{.Title}}</title>
<link rel="stylesheet" href="style.css" />
</head>
<body>
<header>
<p class="jurisdiction">{{.Jurisdiction}}</p>
<h1>Risk-limiting audit: {{.Title}}</h1>
<p class="date">Election <code>{{.Election}}</code> · audit <code>{{.AuditID}}</code></p>
<p class="status">
{{- if .Done}}<span class="badge done">AUDIT COMPLETE</span>
{{- else}}<span class="badge progress">AUDIT IN PROGRESS</span>{{end}}
<span class="snapshot">Snapshot {{.Version}} · {{if eq .Trigger "seed"}}seed entered{{else if eq .Trigger "round-drawn"}}round {{.TriggerRound}} drawn{{else if eq .Trigger "round-closed"}}round {{.TriggerRound}} closed{{else if eq .Trigger "round-undone"}}round {{.TriggerRound}} undone{{else if eq .Trigger "full-hand-count"}}full hand count declared{{else}}{{.Trigger}}{{end}} · published <time datetime="{{.Published.Format "2006-01-02T15:04:05Z07:00"}}">{{.Published.Format "January 2, 2006 at 15:04 UTC"}}</time></span></p>
<p class="note">Board readings of a round are published when the round closes, never before.</p>
</header>
<main>
<nav aria-label="Sections"><ul>
<li><a href="#settings">Settings</a></li>
<li><a href="#contests">Contests</a></li>
<li><a href="#seed">Seed</a></li>
{{- range .Rounds}}
<li><a href="#round-{{.Round}}">Round {{.Round}}</a></li>
{{- end}}
<li><a href="#downloads">Downloads</a></li>
</ul></nav>
<section id="settings" aria-labelledby="h-settings">
<h2 id="h-settings">Audit settings</h2>
<table>
<tbody>
<tr><th scope="row">Audit type</th><td>{{.Report.Settings.Type}}</td></tr>
<tr><th scope="row">Risk measurement</th><td>{{.Report.Settings.Math}}</td></tr>
<tr><th scope="row">Risk limit</th><td>{{.RiskLimit}}</td></tr>
<tr><th scope="row">Sampler</th><td>{{.Report.Settings.Sampler}}{{if .Report.Settings.WithoutReplacement}} (without replacement){{else}} (with replacement){{end}}</td></tr>
<tr><th scope="row">Ballots in the manifests</th><td class="n">{{.Report.Settings.Ballots}}</td></tr>
</tbody>
</table>
<h3>Jurisdictions</h3>
<div class="scroll" tabindex="0" role="region" aria-label="Jurisdictions">
<table class="wide">
<thead><tr><th scope="col">Jurisdiction</th><th scope="col" class="n">Batches</th><th scope="col" class="n">Ballots</th><th scope="col" class="n">CVRs</th><th scope="col" class="n">Phantoms</th></tr></thead>
<tbody>
{{- range .Report.Settings.Jurisdictions}}
<tr><th scope="row">{{.Name}}</th><td class="n">{{.Batches}}</td><td class="n">{{.Ballots}}</td><td class="n">{{.CVRs}}</td><td class="n">{{.Phantoms}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
</section>
<section id="contests" aria-labelledby="h-contests">
<h2 id="h-contests">Contests</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Contests">
<table class="wide">
<thead><tr><th scope="col">Contest</th><th scope="col">Audited as</th><th scope="col">Jurisdictions</th><th scope="col">Reported winners</th><th scope="col" class="n">Ballots</th><th scope="col" class="n">Smallest margin</th><th scope="col" class="n">Diluted margin</th></tr></thead>
<tbody>
{{- range .Contests}}
<tr><th scope="row">{{.Name}}<span class="what">{{.Kind}}</span></th><td>{{if .Targeted}}<strong>Targeted</strong>{{else}}Opportunistic{{end}}</td><td>{{join .Jurisdictions}}</td><td>{{join .Winners}}</td><td class="n">{{.Ballots}}</td><td class="n">{{.MinMargin}}</td><td class="n">{{pct .DilutedMargin}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
</section>
<section id="seed" aria-labelledby="h-seed">
<h2 id="h-seed">The seed</h2>
{{- if .Seed.Seed}}
<p>Random seed rolled in public: <code class="seed">{{.Seed.Seed}}</code></p>
<table>
<tbody>
<tr><th scope="row">Rolled by</th><td>{{join .Seed.RolledBy}}</td></tr>
<tr><th scope="row">Watched by</th><td>{{join .Seed.Witnesses}}</td></tr>
<tr><th scope="row">Entered by request</th><td><code>{{.Seed.Request}}</code></td></tr>
<tr><th scope="row">Signed by</th><td>{{join .Seed.Signers}}</td></tr>
</tbody>
</table>
{{- else}}
<p>The seed has not been entered.</p>
{{- end}}
</section>
{{- range .Rounds}}
<section id="round-{{.Round}}" aria-labelledby="h-round-{{.Round}}">
<h2 id="h-round-{{.Round}}">Round {{.Round}}{{if .Closed}} (closed){{else}} (open){{end}}</h2>
<p>{{.Draws}} draws{{if .Skip}}, after the {{.Skip}} draws of earlier rounds{{end}}.{{if .Sample}} <a href="{{.Sample}}">The sample (CSV)</a>.{{end}}</p>
<p>Progress: <strong>{{.Read}}</strong> of {{.Ballots}} ballots read; {{.SignedOff}} of {{.Boards}} audit boards signed off.</p>
{{- if .Closed}}
<h3>Risk and decision per contest</h3>
<div class="scroll" tabindex="0" role="region" aria-label="Round {{.Round}}: risk and decision per contest">
<table class="wide">
<thead><tr><th scope="col">Contest</th><th scope="col" class="n">Sample size</th><th scope="col" class="n">Ballots audited</th><th scope="col" class="n">o1</th><th scope="col" class="n">o2</th><th scope="col" class="n">u1</th><th scope="col" class="n">u2</th><th scope="col" class="n">Not found</th><th scope="col" class="n">Phantoms</th><th scope="col" class="n">Risk</th><th scope="col">Decision</th></tr></thead>
<tbody>
{{- range .Contests}}
<tr><th scope="row">{{.Contest}}<span class="what">{{if .Targeted}}targeted{{else}}opportunistic{{end}} · {{.Math}}</span></th><td class="n">{{.SampleSize}}</td><td class="n">{{.BallotsAudited}}</td><td class="n">{{.Discrepancies.O1}}</td><td class="n">{{.Discrepancies.O2}}</td><td class="n">{{.Discrepancies.U1}}</td><td class="n">{{.Discrepancies.U2}}</td><td class="n">{{.Discrepancies.NotFound}}</td><td class="n">{{.Discrepancies.Phantoms}}</td><td class="n">{{.Risk}}{{if .RiskLimitMet}} (limit met){{end}}</td><td class="decision-{{.Decision}}">{{.Decision}}{{if .NextSize}} ({{.NextSize}} more){{end}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
<p>{{if .Result.Done}}Every targeted contest is decided.{{else}}Another round is needed: {{.Result.NextSize}} draws.{{end}}</p>
{{- if .Readings}}
<details>
<summary>Every board reading of round {{.Round}} ({{.Readings}} ballots)</summary>
<div class="scroll" tabindex="0" role="region" aria-label="Round {{.Round}}: board readings">
<table class="wide">
<thead><tr><th scope="col">Tickets</th><th scope="col">Ballot</th><th scope="col">Board</th><th scope="col">Contest</th><th scope="col">CVR</th><th scope="col">Board reading</th><th scope="col">Discrepancy</th></tr></thead>
<tbody>
{{- .ReadingRows}}
</tbody>
</table>
</div>
</details>
{{- end}}
{{- if .Batches}}
<details>
<summary>Every batch tally of round {{.Round}} ({{len .Batches}} batches)</summary>
<div class="scroll" tabindex="0" role="region" aria-label="Round {{.Round}}: batch tallies">
<table class="wide">
<thead><tr><th scope="col">Tickets</th><th scope="col">Batch</th><th scope="col">Contest</th><th scope="col">Reported</th><th scope="col">Hand count</th></tr></thead>
<tbody>
{{- range .Batches}}{{$b := .}}
{{- range .Contests}}
<tr><td>{{$b.Tickets}}</td><td>{{$b.Jurisdiction}}, {{$b.Batch}} ({{$b.Ballots}} ballots){{if $b.NotFound}}<span class="what">not found</span>{{end}}{{if $b.Comment}}<span class="what">{{$b.Comment}}</span>{{end}}</td><td>{{.Contest}}</td><td>{{.Reported}}</td><td>{{.Audited}}</td></tr>
{{- end}}
{{- end}}
</tbody>
</table>
</div>
</details>
{{- end}}
{{- else}}
<p class="note">The boards' readings of this round, its discrepancies and risks are published when it closes.</p>
{{- end}}
</section>
{{- end}}
<section id="downloads" aria-labelledby="h-downloads">
<h2 id="h-downloads">Downloads</h2>
<table class="downloads">
<thead><tr><th scope="col">File</th><th scope="col" class="n">Size</th><th scope="col">SHA-256</th></tr></thead>
<tbody>
{{- range .Downloads}}
<tr><td><a href="{{.Name}}">{{.Name}}</a>{{if .Description}}<span class="what">{{.Description}}</span>{{end}}</td><td class="n">{{size .Size}}</td><td><code class="hash">{{.SHA256}}</code></td></tr>
{{- end}}
</tbody>
</table>
<p>Every file here is committed by SHA-256 in the election's public log (an <code>audit-publication</code> entry); compare a download with <code>sha256sum FILE</code>.</p>
</section>
</main>
<footer>
<p>Audit <code>{{.AuditID}}</code>{{if .SoftwareVersion}} · published by canvass {{.SoftwareVersion}}{{end}}</p>
</footer>
</body>
</html>
`
