//! Sealed reporter identity: name and phone encrypted at capture to the organisation's public
//! key (X25519 sealed box). A laptop that only holds the public key cannot read them back.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use crypto_box::{PublicKey, SecretKey};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The identity fields that get sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReporterIdentity {
    /// Full name.
    pub name: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
}

impl ReporterIdentity {
    /// Nothing to identify the reporter.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none()
    }
}

/// The organisation's public key, given to every device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPublicKey(PublicKey);

impl OrgPublicKey {
    /// Parse the base64 form printed by `citizens org keygen`.
    pub fn parse(text: &str) -> Result<Self> {
        B64.decode(text.trim())
            .ok()
            .and_then(|bytes| PublicKey::from_slice(&bytes).ok())
            .map(OrgPublicKey)
            .ok_or_else(|| {
                Error::invalid(
                    "organisation key",
                    "this is not an organisation public key (44 characters of base64)",
                )
            })
    }

    /// Base64 form.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }

    /// Seal an identity so only the organisation's secret key opens it.
    pub fn seal(
        &self,
        identity: &ReporterIdentity,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<String> {
        let plain = serde_json::to_vec(identity).map_err(|e| Error::Document(e.to_string()))?;
        let sealed = self
            .0
            .seal(rng, &plain)
            .map_err(|_| Error::Document("sealing failed".into()))?;
        Ok(B64.encode(sealed))
    }
}

/// How a file sealed to the organisation key begins (then the sealed box).
pub const SEALED_FILE: &[u8] = b"CCSEALED1\n";

/// Whether these bytes are a file sealed to an organisation key.
pub fn is_sealed_file(bytes: &[u8]) -> bool {
    bytes.starts_with(SEALED_FILE)
}

impl OrgPublicKey {
    /// Seal a whole file (a photo of a paper form, which carries handwritten names) so only
    /// the organisation's secret key opens it; the server holds only this.
    pub fn seal_file(&self, plain: &[u8], rng: &mut (impl RngCore + CryptoRng)) -> Result<Vec<u8>> {
        let sealed = self
            .0
            .seal(rng, plain)
            .map_err(|_| Error::Document("sealing failed".into()))?;
        Ok([SEALED_FILE, &sealed].concat())
    }
}

/// The organisation's secret key; only coordinators hold it.
pub struct OrgSecretKey(SecretKey);

impl std::fmt::Debug for OrgSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrgSecretKey(…)")
    }
}

impl OrgSecretKey {
    /// A fresh key pair.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        OrgSecretKey(SecretKey::generate(rng))
    }

    /// From the 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        SecretKey::from_slice(bytes)
            .map(OrgSecretKey)
            .map_err(|_| Error::invalid("organisation key", "a secret key has 32 bytes"))
    }

    /// The 32 raw bytes (keep them encrypted).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> OrgPublicKey {
        OrgPublicKey(self.0.public_key())
    }

    /// Open a file made by [`OrgPublicKey::seal_file`].
    pub fn open_file(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        let body = sealed
            .strip_prefix(SEALED_FILE)
            .ok_or(Error::CannotUnseal)?;
        self.0.unseal(body).map_err(|_| Error::CannotUnseal)
    }

    /// Open a sealed identity.
    pub fn open(&self, sealed: &str) -> Result<ReporterIdentity> {
        let bytes = B64.decode(sealed).map_err(|_| Error::CannotUnseal)?;
        let plain = self.0.unseal(&bytes).map_err(|_| Error::CannotUnseal)?;
        serde_json::from_slice(&plain).map_err(|_| Error::CannotUnseal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn only_the_organisation_key_opens_a_sealed_identity() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let org = OrgSecretKey::generate(&mut rng);
        let other = OrgSecretKey::generate(&mut rng);
        let who = ReporterIdentity {
            name: Some("Chinedu Okafor".into()),
            phone: Some("+2348031234567".into()),
        };
        let public = OrgPublicKey::parse(&org.public_key().to_base64()).expect("round trip");
        let sealed = public.seal(&who, &mut rng).expect("seal");
        assert!(!sealed.contains("Chinedu"));
        assert_eq!(org.open(&sealed), Ok(who));
        assert_eq!(other.open(&sealed), Err(Error::CannotUnseal));
        assert_eq!(org.open("bm90IHNlYWxlZA=="), Err(Error::CannotUnseal));
    }
}
