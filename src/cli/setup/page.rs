//! The local page that hands the manifest to GitHub: a form that posts itself to GitHub's
//! "new App" page (a browser is needed because GitHub asks the signed-in user to confirm), with a
//! button for browsers that do not run scripts.

use serde_json::Value;
use url::Url;

/// GitHub's page that creates an App from a manifest, for the signed-in user or for `org`, with
/// `state` in the query so that GitHub hands it back on the redirect. `None` when `github_url`
/// cannot have a path (e.g. `mailto:`).
pub fn creation_url(github_url: &Url, org: Option<&str>, state: &str) -> Option<Url> {
    let mut url = github_page(github_url, org, &["settings", "apps", "new"])?;
    url.query_pairs_mut().append_pair("state", state);
    Some(url)
}

/// The settings page of the App `slug` (where a new private key or webhook secret can be made).
pub fn settings_url(github_url: &Url, org: Option<&str>, slug: &str) -> Option<Url> {
    github_page(github_url, org, &["settings", "apps", slug])
}

/// `github_url` + `/organizations/{org}` (with `org`) + `tail`, each segment escaped.
fn github_page(github_url: &Url, org: Option<&str>, tail: &[&str]) -> Option<Url> {
    let mut url = github_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut path = url.path_segments_mut().ok()?;
        path.pop_if_empty();
        if let Some(org) = org {
            path.extend(["organizations", org]);
        }
        path.extend(tail);
    }
    Some(url)
}

/// The page: a form posting `manifest` (the JSON, escaped for an HTML attribute) to `action`,
/// submitted by a script as soon as it loads.
pub fn page_html(action: &Url, manifest: &Value) -> String {
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("amiroll");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>amiroll setup: create the GitHub App {name}</title>
</head>
<body>
<h1>Create the GitHub App {name}</h1>
<p>This page sends the App's manifest to GitHub, which asks you to confirm the App's name and
creates it. If nothing happens, press the button.</p>
<form id="manifest-form" method="post" action="{action}">
<input type="hidden" name="manifest" value="{manifest}">
<button type="submit">Create the App on GitHub</button>
</form>
<script>document.getElementById("manifest-form").submit();</script>
</body>
</html>
"#,
        name = html_escape(name),
        action = html_escape(action.as_str()),
        manifest = html_escape(&manifest.to_string()),
    )
}

/// A short page telling the user how the callback went (`message` is escaped).
pub fn message_html(title: &str, message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>amiroll setup: {title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n\
         <p>{message}</p>\n</body>\n</html>\n",
        title = html_escape(title),
        message = html_escape(message),
    )
}

/// Escapes text for HTML content and double- or single-quoted attribute values.
pub fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
