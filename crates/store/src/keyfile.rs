//! The database key, wrapped under the user's passphrase with Argon2id + XChaCha20-Poly1305.
//! Only the wrapped form touches the disk.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::Error;

/// The 32-byte SQLCipher key, wiped from memory when dropped.
pub struct DbKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

impl DbKey {
    pub(crate) fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        DbKey(key)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0[..]
    }

    /// The `PRAGMA key` value: a raw key in SQLCipher's blob syntax.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", hex::encode(self.0.as_ref())))
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    kdf: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
    nonce: String,
    wrapped_key: String,
}

/// OWASP's recommended Argon2id setting: 19 MiB, 2 passes.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
/// The most a file from elsewhere (a bundle) may ask key derivation to spend: 256 MiB, 10
/// passes, 4 lanes. Anything beyond is refused before any memory is taken.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_ITERATIONS: u32 = 10;
const MAX_PARALLELISM: u32 = 4;

fn kek(passphrase: &str, salt: &[u8], file: &KeyFile) -> Result<Zeroizing<[u8; 32]>, Error> {
    if !(8..=MAX_MEMORY_KIB).contains(&file.memory_kib)
        || !(1..=MAX_ITERATIONS).contains(&file.iterations)
        || !(1..=MAX_PARALLELISM).contains(&file.parallelism)
        || !(8..=64).contains(&salt.len())
    {
        return Err(Error::Rejected(format!(
            "this file asks for key-derivation settings Citizens Connect never uses \
             ({} KiB, {} passes, {} lanes; at most {MAX_MEMORY_KIB} KiB, {MAX_ITERATIONS} passes, \
             {MAX_PARALLELISM} lanes)",
            file.memory_kib, file.iterations, file.parallelism
        )));
    }
    let params = Params::new(file.memory_kib, file.iterations, file.parallelism, Some(32))
        .map_err(|e| Error::Damaged(format!("key file parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| Error::Damaged(format!("key derivation: {e}")))?;
    Ok(out)
}

/// Check a new passphrase is long enough to be worth encrypting with.
pub fn check_passphrase(passphrase: &str) -> Result<(), Error> {
    if passphrase.chars().count() < 8 {
        return Err(Error::WeakPassphrase);
    }
    Ok(())
}

/// Encrypt `plain` under `passphrase` (Argon2id + XChaCha20-Poly1305). The output holds
/// everything needed to decrypt it except the passphrase.
pub fn seal_with_passphrase(passphrase: &str, plain: &[u8]) -> Result<Vec<u8>, Error> {
    let file = wrap(passphrase, plain)?;
    serde_json::to_vec(&file).map_err(|e| Error::Damaged(e.to_string()))
}

/// Decrypt what [`seal_with_passphrase`] made; a wrong passphrase is [`Error::WrongPassphrase`].
pub fn open_with_passphrase(passphrase: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let file: KeyFile = serde_json::from_slice(sealed)
        .map_err(|_| Error::Damaged("not an encrypted file of ours".into()))?;
    unwrap(passphrase, &file)
}

fn wrap(passphrase: &str, plain: &[u8]) -> Result<KeyFile, Error> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut file = KeyFile {
        version: 1,
        kdf: "argon2id".into(),
        memory_kib: MEMORY_KIB,
        iterations: ITERATIONS,
        parallelism: 1,
        salt: B64.encode(salt),
        nonce: B64.encode(nonce),
        wrapped_key: String::new(),
    };
    let kek = kek(passphrase, &salt, &file)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let wrapped = cipher
        .encrypt(XNonce::from_slice(&nonce), plain)
        .map_err(|_| Error::Damaged("could not encrypt".into()))?;
    file.wrapped_key = B64.encode(wrapped);
    Ok(file)
}

fn unwrap(passphrase: &str, file: &KeyFile) -> Result<Zeroizing<Vec<u8>>, Error> {
    if file.version != 1 || file.kdf != "argon2id" {
        return Err(Error::Damaged("encrypted with an unknown version".into()));
    }
    let decode = |s: &str| B64.decode(s).map_err(|_| Error::Damaged("encoding".into()));
    let salt = decode(&file.salt)?;
    let nonce = decode(&file.nonce)?;
    let wrapped = decode(&file.wrapped_key)?;
    if nonce.len() != 24 {
        return Err(Error::Damaged("nonce".into()));
    }
    let kek = kek(passphrase, &salt, file)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    Ok(Zeroizing::new(
        cipher
            .decrypt(XNonce::from_slice(&nonce), wrapped.as_slice())
            .map_err(|_| Error::WrongPassphrase)?,
    ))
}

/// Wrap `key` under `passphrase` and write the key file atomically.
pub(crate) fn write(path: &Path, key: &DbKey, passphrase: &str) -> Result<(), Error> {
    check_passphrase(passphrase)?;
    let file = wrap(passphrase, &key.0[..])?;
    let json = serde_json::to_vec_pretty(&file).map_err(|e| Error::Damaged(e.to_string()))?;
    let tmp = path.with_extension("tmp");
    {
        let mut out = crate::private_file(&tmp)?;
        out.write_all(&json)?;
        out.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Unwrap the database key; a wrong passphrase is [`Error::WrongPassphrase`].
pub(crate) fn read(path: &Path, passphrase: &str) -> Result<DbKey, Error> {
    let bytes = fs::read(path)?;
    let file: KeyFile =
        serde_json::from_slice(&bytes).map_err(|e| Error::Damaged(format!("key file: {e}")))?;
    let plain = unwrap(passphrase, &file)?;
    let key: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| Error::Damaged("wrapped key has the wrong length".into()))?;
    Ok(DbKey(Zeroizing::new(key)))
}
