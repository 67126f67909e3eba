//! A citizen on the public pages over plain HTTP, for the server's tests, its benchmark and the
//! window's (the browser tests use Chromium): the form's token, a report sent, its receipt.

/// The text between `start` and the next `<` after it.
pub fn between(html: &str, start: &str) -> Option<String> {
    let at = html.find(start)? + start.len();
    Some(html[at..].split('<').next()?.to_string())
}

/// The token a report form carries.
pub fn token_of(html: &str) -> String {
    between(html, "name=\"token\" value=\"")
        .and_then(|t| t.split('"').next().map(str::to_string))
        .expect("the form carries a token")
}

/// A fresh report form's token, from the server at `url`, for a state.
pub fn form_token(url: &str, state: &str) -> String {
    let response = reqwest::blocking::get(format!("{url}/report?state={state}")).expect("answer");
    assert_eq!(response.status().as_u16(), 200);
    token_of(&response.text().expect("text"))
}

/// POST `fields` as a form: the status and the body.
pub fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = reqwest::blocking::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form"))
        .send()
        .expect("server answers");
    (response.status().as_u16(), response.text().expect("text"))
}

/// `(reference, PIN)` from a receipt page.
pub fn receipt(html: &str) -> (String, String) {
    (
        between(html, "id=\"reference\">").expect("reference"),
        between(html, "id=\"pin\">").expect("pin"),
    )
}

/// Report on the server at `url` as a citizen would (a fresh form for `fields`' state, then
/// the form sent): the receipt.
pub fn report(url: &str, fields: &[(&str, &str)]) -> (String, String) {
    let state = fields
        .iter()
        .find(|(k, _)| *k == "state")
        .map_or("KN", |(_, v)| v);
    let token = form_token(url, state);
    let mut sent = vec![("token", token.as_str())];
    sent.extend_from_slice(fields);
    let (status, html) = post_form(&format!("{url}/report"), &sent);
    assert_eq!(status, 200, "{html}");
    receipt(&html)
}
