//! Secret access keys, kept out of logs and wiped from memory when dropped.
//!
//! A [`SecretKey`] has no `Display`, and its `Debug` prints `SecretKey(***)`,
//! so a secret cannot end up in a log line or an error message by accident.
//! Its buffer is zeroized on drop (`zeroize::Zeroizing`); copies made while
//! deriving signing keys are zeroized too (see [`super::sigv4::SigningKey`]).

use std::fmt;

use zeroize::Zeroizing;

/// An S3 secret access key.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    /// Wraps a secret. The `String` is moved in, not copied, so no clear
    /// copy is left behind.
    pub fn new(secret: impl Into<String>) -> SecretKey {
        SecretKey(Zeroizing::new(secret.into()))
    }

    /// The secret itself, for signing and for sealing it at rest. Callers
    /// must not log or keep the returned text.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretKey {
    fn from(secret: String) -> SecretKey {
        SecretKey::new(secret)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let key = SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
        assert_eq!(format!("{:?}", Some(key.clone())), "Some(SecretKey(***))");
        assert_eq!(
            key.expose_secret(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
    }
}
