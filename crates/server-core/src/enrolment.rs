//! Who gets in: one-time enrolment codes naming a person, devices bound to that person and
//! to the writer id they declare, access tokens, and the enrolment rate limit (in the database,
//! so it holds across instances).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use citizens_core::identity::OrgPublicKey;
use citizens_protocol::{
    key_fingerprint, EnrollRequest, EnrollResponse, EnrolmentCode, ErrorCode, Role, TokenRequest,
    TokenResponse, CODE_ALPHABET, CODE_SECRET_CHARS,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;
use uuid::Uuid;

use crate::persistence::{NewCodeRow, NewDevice, Tx};
use crate::{Core, Device, Error, Result};

/// What `citizens-server enroll` asks for.
#[derive(Debug, Clone, Copy)]
pub struct NewCode<'a> {
    /// Organisation name.
    pub org: &'a str,
    /// Its public key (needed the first time it is named).
    pub org_public_key: Option<&'a str>,
    /// Role granted.
    pub role: Role,
    /// The person the device will belong to.
    pub user: &'a str,
    /// How long the code works.
    pub valid_for: std::time::Duration,
}

/// SHA-256 of a secret (codes and tokens are stored only so).
pub(crate) fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Core {
    /// `len` characters of the code alphabet (32 letters: no bias from the modulo).
    pub(crate) fn random_code(&self, len: usize) -> String {
        let mut bytes = vec![0u8; len];
        self.random(&mut bytes);
        bytes
            .iter()
            .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
            .collect()
    }

    fn issue(&self, tx: &mut dyn Tx, device_id: Uuid, now: i64) -> Result<TokenResponse> {
        let mut bytes = [0u8; 32];
        self.random(&mut bytes);
        let token = B64.encode(bytes);
        let ttl = self.limits.token_ttl_secs;
        let expires_at =
            now.saturating_add(i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX));
        tx.insert_token(&hash(&token), device_id, expires_at, now)?;
        Ok(TokenResponse {
            access_token: token,
            expires_in: ttl,
        })
    }

    /// Make a one-time enrolment code for a person (creating the organisation and the person
    /// on first use); it carries the organisation key's fingerprint.
    pub fn create_enrolment(&self, code: &NewCode<'_>) -> Result<String> {
        let NewCode {
            org,
            org_public_key,
            role,
            user,
            valid_for,
        } = *code;
        let user = user.trim();
        if user == crate::intake::INTAKE_PERSON {
            return Err(Error::refused(
                ErrorCode::InvalidUser,
                "that name is the server's own (its public intake): choose the person's own name",
            ));
        }
        if user.is_empty() || user.chars().count() > 100 {
            return Err(Error::refused(
                ErrorCode::InvalidUser,
                "name the person this code is for (--user), in at most 100 characters",
            ));
        }
        let now = self.now();
        let person_id = self.new_id().to_string();
        let secret = self.random_code(CODE_SECRET_CHARS);
        self.write(|tx| {
            let (org_id, key) = match (tx.org_by_name(org)?, org_public_key) {
                (Some((id, stored)), None) => (id, stored),
                (Some((id, stored)), Some(key)) => {
                    if stored != key.trim() {
                        return Err(Error::refused(
                            ErrorCode::OrgKeyMismatch,
                            format!("'{org}' already has a different organisation key"),
                        ));
                    }
                    (id, stored)
                }
                (None, Some(key)) => {
                    OrgPublicKey::parse(key)
                        .map_err(|e| Error::refused(ErrorCode::InvalidKey, e.to_string()))?;
                    (tx.insert_org(org, key.trim())?, key.trim().to_string())
                }
                (None, None) => {
                    return Err(Error::refused(
                        ErrorCode::UnknownOrg,
                        format!("'{org}' is new here: give --org-public-key (a coordinator's install prints it with `citizens org key`)"),
                    ));
                }
            };
            tx.insert_person(&person_id, org_id, user)?;
            let person = tx
                .person_by_name(org_id, user)?
                .ok_or_else(|| Error::internal("the person just added is missing"))?;
            // Cases already assigned to this name are now this person's.
            tx.claim_assigned(org_id, user, &person)?;
            tx.insert_code(&NewCodeRow {
                code_hash: &hash(&secret),
                org_id,
                role: role.as_str(),
                expires_at: now.saturating_add(millis(valid_for)),
                created_at: now,
                person_id: &person,
            })?;
            Ok(EnrolmentCode {
                secret: secret.clone(),
                fingerprint: key_fingerprint(&key),
            }
            .to_string())
        })
    }

    /// Exchange a code's secret for a device bound to the code's person. The same request
    /// again (same code, actor and device secret) answers with the same device. `client` is
    /// the address the attempt came from: at most [`crate::Limits::enrol_attempts_per_minute`]
    /// attempts per address per minute, counted in the database.
    pub fn enroll(&self, client: &str, request: &EnrollRequest) -> Result<EnrollResponse> {
        let now = self.now();
        let limit = self.limits.enrol_attempts_per_minute;
        if !self.write(|tx| self.attempt(tx, "enrol", client, 1, limit))? {
            return Err(Error::refused(
                ErrorCode::RateLimited,
                "too many attempts; wait a minute and try again",
            ));
        }
        Self::check_version(request.version)?;
        let device_name = request.device_name.trim();
        if device_name.is_empty() || device_name.chars().count() > 100 {
            return Err(Error::refused(
                ErrorCode::InvalidRequest,
                "give the device's name, in at most 100 characters",
            ));
        }
        citizens_core::text::refuse_controls("the device's name", device_name, false)
            .map_err(|e| Error::refused(ErrorCode::InvalidRequest, e.to_string()))?;
        let refused = |why: &str| {
            Error::refused(
                ErrorCode::InvalidCode,
                format!("this enrolment code {why}; ask your coordinator for a new one"),
            )
        };
        if !EnrolmentCode::is_secret(&request.code) {
            return Err(refused("is not known"));
        }
        let actor = request.actor.to_ascii_lowercase();
        if actor.is_empty()
            || actor.len() > 64
            || !actor.len().is_multiple_of(2)
            || !actor.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(Error::refused(
                ErrorCode::InvalidRequest,
                "the device's writer id is not valid",
            ));
        }
        if !(32..=128).contains(&request.device_secret.len()) {
            return Err(Error::refused(
                ErrorCode::InvalidRequest,
                "the device credential is not valid",
            ));
        }
        let code_hash = hash(&request.code);
        let secret_hash = hash(&request.device_secret);
        let new_device = self.new_id();
        self.write(|tx| {
            let code = tx
                .code(&code_hash)?
                .ok_or_else(|| refused("is not known"))?;
            let Some(person_id) = code.person_id.clone() else {
                return Err(refused(
                    "names no person (it was made before codes named one)",
                ));
            };
            let user = tx
                .person_name(&person_id)?
                .ok_or_else(|| refused("names no person (it was made before codes named one)"))?;
            let role = Role::parse(&code.role).ok_or_else(|| Error::internal("role"))?;
            let (organisation, org_public_key) = tx.org(code.org_id)?;
            let answer = |tx: &mut dyn Tx, device_id: Uuid, device_code: String| {
                Ok(EnrollResponse {
                    device_id,
                    role,
                    organisation: organisation.clone(),
                    user: user.clone(),
                    person_id: Uuid::parse_str(&person_id).map_err(Error::internal)?,
                    org_public_key: org_public_key.clone(),
                    device_code,
                    token: self.issue(tx, device_id, now)?,
                })
            };
            if code.used_at.is_some() {
                // The same laptop again after a lost answer: the same device, a new token.
                return match tx.device_enrolled_with(&code_hash, &actor, &secret_hash)? {
                    Some((id, device_code)) => answer(
                        tx,
                        Uuid::parse_str(&id).map_err(Error::internal)?,
                        device_code,
                    ),
                    None => Err(refused("was already used")),
                };
            }
            if code.expires_at < now {
                return Err(refused("has expired"));
            }
            if tx.actor_owner(&actor)?.is_some()
                || actor == citizens_core::seed::actor().to_hex_string()
            {
                return Err(Error::refused(
                    ErrorCode::ActorTaken,
                    "this laptop's writer id is already in use; enrol again",
                ));
            }
            tx.mark_code_used(&code_hash, now)?;
            let device_code = loop {
                let candidate = self.random_code(3);
                if !tx.device_code_taken(&candidate)? {
                    break candidate;
                }
            };
            tx.insert_device(&NewDevice {
                id: new_device,
                org_id: code.org_id,
                role: role.as_str(),
                user: &user,
                name: device_name,
                device_code: &device_code,
                secret_hash: &secret_hash,
                created_at: now,
                person_id: &person_id,
                actor: &actor,
                code_hash: &code_hash,
            })?;
            answer(tx, new_device, device_code)
        })
    }

    /// Exchange a device credential for an access token. The credential is checked first: an
    /// unknown device and a wrong credential are answered alike, and only a device that proves
    /// its credential learns that it was revoked.
    pub fn issue_token(&self, request: &TokenRequest) -> Result<TokenResponse> {
        Self::check_version(request.version)?;
        let now = self.now();
        let secret = hash(&request.device_secret);
        self.write(|tx| {
            let proved = tx
                .device_secret(request.device_id)?
                .filter(|(stored, _)| bool::from(stored.ct_eq(&secret)));
            match proved {
                Some((_, None)) => self.issue(tx, request.device_id, now),
                Some((_, Some(_))) => Err(Error::refused(
                    ErrorCode::Revoked,
                    "this device was revoked; ask your coordinator",
                )),
                None => Err(Error::refused(
                    ErrorCode::InvalidCredential,
                    "this device is not enrolled here; enrol it again",
                )),
            }
        })
    }

    /// Check a bearer token (and that its device is not revoked).
    pub fn authenticate(&self, token: &str) -> Result<Device> {
        let now = self.now();
        let token_hash = hash(token);
        self.write(|tx| {
            let found = tx.token(&token_hash)?.ok_or_else(|| {
                Error::refused(
                    ErrorCode::InvalidToken,
                    "unknown access token; sign in again",
                )
            })?;
            if found.revoked_at.is_some() {
                return Err(Error::refused(
                    ErrorCode::Revoked,
                    "this device was revoked; ask your coordinator",
                ));
            }
            if found.expires_at < now {
                return Err(Error::refused(
                    ErrorCode::ExpiredToken,
                    "the access token expired; get a new one",
                ));
            }
            tx.touch_device(&found.device_id, now)?;
            Ok(Device {
                id: Uuid::parse_str(&found.device_id).map_err(Error::internal)?,
                org_id: found.org_id,
                role: Role::parse(&found.role).ok_or_else(|| Error::internal("role"))?,
                person_id: found.person_id,
            })
        })
    }
}
