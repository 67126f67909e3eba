//! An agency officer on the desk over plain HTTP, for the server's tests and the window's: a
//! browser of its own, the set-up with the second factor computed as the officer's phone
//! would, and the form token the desk's pages carry.

use citizens_server_core::desk::totp;

use crate::citizen::between;
use crate::server::{Server, ORG};

/// A browser of its own: no redirects followed, its own cookie kept by hand.
#[derive(Debug)]
pub struct Browser {
    http: reqwest::blocking::Client,
    url: String,
    /// The session cookie's value, once signed in.
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        Browser {
            http: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            url: server.url.clone(),
            cookie: None,
        }
    }

    fn keep(&mut self, r: &reqwest::blocking::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().expect("ascii");
            if let Some(value) = v.split(';').next().and_then(|c| c.strip_prefix("desk=")) {
                assert!(
                    v.contains("HttpOnly")
                        && v.contains("SameSite=Strict")
                        && v.contains("Path=/desk"),
                    "{v}"
                );
                self.cookie = (!value.is_empty()).then(|| value.to_string());
            }
        }
    }

    pub fn get(&mut self, path: &str) -> (u16, String) {
        let mut request = self.http.get(format!("{}{path}", self.url));
        if let Some(c) = &self.cookie {
            request = request.header("cookie", format!("desk={c}"));
        }
        let r = request.send().expect("answered");
        self.keep(&r);
        let status = r.status().as_u16();
        (status, r.text().expect("text"))
    }

    /// The address of the officer's case with this reference (from their queue).
    pub fn case_path(&mut self, reference: &str) -> String {
        let (_, queue) = self.get("/desk/cases");
        let at = queue
            .find(&format!("\">{reference}</a>"))
            .unwrap_or_else(|| panic!("{reference} is not in the queue: {queue}"));
        let id = queue[..at].rsplit("/desk/case/").next().expect("an id");
        format!("/desk/case/{id}")
    }

    /// Do `action` (with its fields) to the case with this reference, as its page's form
    /// does: the page after it.
    pub fn answer(
        &mut self,
        reference: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let path = self.case_path(reference);
        let (_, page) = self.get(&path);
        let form = form_token(&page);
        let mut all = vec![("form", form.as_str()), ("action", action)];
        all.extend_from_slice(fields);
        self.post(&path, &all)
    }

    /// Post a form as our own page does; a 303 is followed by a GET, as a browser would.
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        self.post_from(path, fields, "same-origin")
    }

    pub fn post_from(&mut self, path: &str, fields: &[(&str, &str)], site: &str) -> (u16, String) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .header("sec-fetch-site", site)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"));
        if let Some(c) = &self.cookie {
            request = request.header("cookie", format!("desk={c}"));
        }
        let r = request.send().expect("answered");
        self.keep(&r);
        if r.status().as_u16() == 303 {
            let to = r.headers()["location"].to_str().expect("ascii").to_string();
            return self.get(&to);
        }
        let status = r.status().as_u16();
        (status, r.text().expect("text"))
    }
}

/// The session's token a desk page's forms carry.
pub fn form_token(page: &str) -> String {
    between(page, "name=\"form\" value=\"")
        .and_then(|t| t.split('"').next().map(str::to_string))
        .expect("a form token")
}

/// The six-digit code an authenticator app shows for `secret` (base 32) now, or `ahead`
/// steps later (a code signs in once: the next sign-in takes the next step's).
pub fn code(secret: &str, ahead: i64) -> String {
    let key = totp::from_base32(secret).expect("a key");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_millis() as i64;
    totp::code(&key, totp::step_at(now) + ahead)
}

/// An officer of `agency` set up through the pages: their browser (signed in), sign-in name
/// and key.
pub fn officer(server: &Server, agency: &str, name: &str) -> (Browser, String, String) {
    let setup = server.admin(&[
        "enroll", "--role", "agency", "--agency", agency, "--org", ORG, "--user", name,
    ]);
    let mut b = Browser::new(server);
    let (status, page) = b.get("/desk/setup");
    assert_eq!(status, 200);
    assert!(page.contains("action=\"/desk/setup\""));
    let (status, factor) = b.post(
        "/desk/setup",
        &[
            ("code", &setup),
            ("passphrase", "the blue gate at Zoo Road"),
            ("again", "the blue gate at Zoo Road"),
        ],
    );
    assert_eq!(status, 200, "{factor}");
    let login = between(&factor, "<dd id=\"login\">").expect("login");
    let secret = between(&factor, "<dd id=\"secret\">").expect("key");
    let (status, cases) = b.post(
        "/desk/setup/confirm",
        &[("code", &setup), ("totp", &code(&secret, 0))],
    );
    assert_eq!(status, 200, "{cases}");
    assert!(
        cases.contains("id=\"none\"") || cases.contains("id=\"cases\""),
        "{cases}"
    );
    (b, login, secret)
}
