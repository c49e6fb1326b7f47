//! Fixtures the end-to-end tests share: people in the directory, enrollment and identity
//! verification by a code read back, provisioning tasks and the codes a user's app computes.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};

use crate::sinks::code_in;
use crate::{Client, TestServer, new_user, types};

pub const BOB_EMAIL: &str = "bob@example.com";

pub const BOB_PHONE: &str = "+15551234567";

/// Start enrolling a personal email address.
pub fn email_challenge(address: &str) -> types::StartEnrollmentChallenge {
    types::StartEnrollmentChallenge {
        service: types::CodeService::PersonalEmail,
        address: address.into(),
    }
}

/// Start enrolling a mobile number.
pub fn sms_challenge(number: &str) -> types::StartEnrollmentChallenge {
    types::StartEnrollmentChallenge {
        service: types::CodeService::MobileCode,
        address: number.into(),
    }
}

/// Starts an enrollment challenge for `user` (the code goes out at once).
pub async fn start_challenge(
    client: &Client,
    user: &str,
    request: types::StartEnrollmentChallenge,
) -> types::EnrollmentChallenge {
    client
        .create_enrollment_challenge()
        .user(user)
        .body(request)
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Creates a pending registration session for `user`, sent nowhere.
pub async fn start_session(client: &Client, user: &str) -> types::RegistrationSession {
    client
        .create_registration_session()
        .user(user)
        .body(types::CreateRegistrationSession {
            hours_to_live: None,
            notify: vec![],
            force: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// A change of the display name only.
pub fn rename(display_name: &str) -> types::UpdateUser {
    types::UpdateUser {
        display_name: Some(display_name.into()),
        state: None,
        email: None,
        family_name: None,
        given_name: None,
        phone: None,
        username: None,
    }
}

/// An item of a batch enrollment: `user`'s personal email at example.com.
pub fn item(user: &str) -> types::BatchEnrollItem {
    types::BatchEnrollItem {
        user: user.into(),
        service: "personal-email".into(),
        address: format!("{user}@example.com"),
    }
}

/// Creates Bob with a directory email and phone.
pub async fn create_bob(client: &Client) -> types::User {
    let mut bob = new_user("bob");
    bob.display_name = Some("Bob Example".into());
    bob.email = Some(BOB_EMAIL.into());
    bob.phone = Some(BOB_PHONE.into());
    client
        .create_user()
        .body(bob)
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Verifies Bob by email: the code goes to his directory email and he reads it back.
pub async fn verify_bob(
    server: &TestServer,
    client: &Client,
    email_index: usize,
) -> types::IdentityVerification {
    verify_by_email(server, client, "bob", BOB_EMAIL, email_index).await
}

/// Verifies `user` by email: the code goes to `address` (their directory email, message number
/// `email_index` to it) and they read it back.
pub async fn verify_by_email(
    server: &TestServer,
    client: &Client,
    user: &str,
    address: &str,
    email_index: usize,
) -> types::IdentityVerification {
    let started = start_email_verification(client, user).await;
    assert_eq!(started.status, types::ChallengeStatus::Pending);
    assert_eq!(
        started.destination,
        enrolld::service::notifications::mask(address)
    );
    let email = server.smtp.nth_to(address, email_index).await;
    let code = code_in(&email.text());
    client
        .confirm_identity_verification()
        .id(&started.id)
        .body(types::CodeInput { code })
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Starts verifying `user` by a code to their directory email.
pub async fn start_email_verification(client: &Client, user: &str) -> types::IdentityVerification {
    client
        .create_identity_verification()
        .user(user)
        .body(types::StartIdentityVerification {
            channel: types::CodeChannel::Email,
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// An RFC 6238 code computed here, independently of the server: HMAC-SHA-1, 6 digits, 30 s.
pub fn totp(otpauth_uri: &str, unix_time: i64) -> String {
    let secret = otpauth_uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let key = data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .unwrap();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&((unix_time / 30) as u64).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The secret in the self-enrollment link of an email.
pub fn link_secret(text: &str) -> String {
    let start = text.find("/self-enroll#").expect("a self-enrollment link") + "/self-enroll#".len();
    text[start..].split_whitespace().next().unwrap().to_owned()
}

/// Creates users with these names, each with an email at example.com.
pub async fn create_users(client: &Client, names: &[&str]) {
    for name in names {
        let mut user = new_user(name);
        user.email = Some(format!("{name}@example.com"));
        client.create_user().body(user).send().await.unwrap();
    }
}

/// A request for a software-token task for these users.
pub fn task_request(users: &[&str], stop_date: Option<NaiveDate>) -> types::CreateProvisioningTask {
    types::CreateProvisioningTask {
        users: users.iter().map(|u| u.to_string()).collect(),
        token_type: types::TokenType::SoftwareTotp,
        stop_date,
        email: None,
    }
}
