//! Passwords kept out of what the connection layer says. Every error text a session or a
//! connect attempt gives (server messages, driver, I/O and TLS errors) is a [`Redacted`],
//! which only a [`Redactor`] makes: where the error is built, by the side that knows the
//! password. Callers print errors as they are; nothing downstream cleans text again.

use std::fmt;

use super::secret::Secret;
use super::url::percent_encode;

/// Takes one password out of text, as typed and as percent-encoded in a URL. The default
/// knows no password: for text no session gave (recorded answers, fakes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor(Option<Secret>);

impl Redactor {
    pub(crate) fn new(password: Option<&Secret>) -> Redactor {
        Redactor(password.filter(|p| !p.expose().is_empty()).cloned())
    }

    pub(crate) fn redact(&self, text: &str) -> Redacted {
        let Some(secret) = &self.0 else {
            return Redacted(text.to_string());
        };
        let raw = secret.expose();
        let mut out = text.replace(raw, "***");
        let encoded = percent_encode(raw);
        if encoded != raw {
            out = out.replace(&encoded, "***");
        }
        Redacted(out)
    }
}

/// Text that went through a [`Redactor`]: free to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_as_typed_and_as_encoded() {
        let secret = Secret::new("p@ss word");
        let r = Redactor::new(Some(&secret));
        let text = "login p@ss word failed for mysql://u:p%40ss%20word@h";
        let out = r.redact(text);
        assert_eq!(out.to_string(), "login *** failed for mysql://u:***@h");
        assert_eq!(
            format!("{out:?}"),
            "Redacted(\"login *** failed for mysql://u:***@h\")"
        );
        // No password, or an empty one: the text stays as it is.
        for r in [Redactor::new(None), Redactor::new(Some(&Secret::new("")))] {
            assert_eq!(r.redact("as it is").as_str(), "as it is");
        }
    }

    /// Redaction happens once, where errors are made: no caller cleans text again, and the
    /// password leaves its `Secret` only to be sent to a server or to be redacted here.
    #[test]
    fn only_the_connection_layer_sees_the_password() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let sends_or_redacts = [
            "connection/secret.rs",
            "connection/redact.rs",
            "connection/session.rs",
            "connection/postgres/session.rs",
            // SASL credentials handed to the Kafka client, which sends them to the broker.
            "kafka/url.rs",
        ];
        let scrub_call = concat!("scr", "ub(");
        let mut files = vec![src.clone()];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests may look at a password; the code they test may not.
            let code = text.split("\n#[cfg(test)]").next().unwrap_or_default();
            let name = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(!code.contains(scrub_call), "{name} cleans text itself");
            assert!(
                !code.contains(".expose()") || sends_or_redacts.contains(&name.as_str()),
                "{name} reads a password"
            );
            checked += 1;
        }
        assert!(checked > 100, "only {checked} files read");
    }
}
