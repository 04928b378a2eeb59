//! The key-encryption key: the database alone opens neither of its secrets, a start
//! without the right key fails and says what to give, older databases get wrapped, and
//! rotation (also one interrupted half-way) keeps the secrets.

use crate::support::*;
use azmc_db::{CreateMode, Db};
use azmc_server::domain::sealing::SealingKey;
use azmc_server::keys::{self, Kek, KekSource};
use azmc_server::tls::LocalCa;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use zeroize::Zeroizing;

const MAGIC: &[u8] = b"azmc-kek-v1:";

async fn start_err(env: &Env, config: azmc_server::ServerConfig) -> String {
    match azmc_server::start(
        config,
        azmc_pki::clock::system(),
        azmc_server::StartOptions::default(),
    )
    .await
    {
        Ok(s) => {
            s.shutdown().await;
            panic!("the server started in {}", env.data_dir().display())
        }
        Err(e) => e.to_string(),
    }
}

async fn stored_secrets(db: &Db) -> (Vec<u8>, Vec<u8>) {
    let (_, ca) = db.get_server_ca().await.unwrap().unwrap();
    (ca, db.sealing_key().await.unwrap().unwrap())
}

fn write_kek(path: &Path, kek: &Kek) {
    std::fs::write(path, kek.encoded().as_bytes()).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_alone_opens_no_secret_and_a_start_needs_its_kek() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let kek_file = env.data_dir().join("kek");
    let mode = std::fs::metadata(&kek_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let ca_pem = api.ca_pem.clone();
    let sealing = api.state().sealing.as_bytes().to_vec();
    let (ca, seal) = stored_secrets(api.db()).await;
    // Stored wrapped: not PKCS#8, and nothing of the sealing key in use.
    assert!(ca.starts_with(MAGIC) && seal.starts_with(MAGIC));
    assert!(!seal.windows(8).any(|w| sealing.windows(8).any(|k| k == w)));
    api.stop().await;

    // Missing: the error names the file and what to give.
    let right = std::fs::read(&kek_file).unwrap();
    std::fs::remove_file(&kek_file).unwrap();
    let e = start_err(&env, env.config()).await;
    assert!(
        e.contains("no key-encryption key") && e.contains(&kek_file.display().to_string()),
        "{e}"
    );
    assert!(!kek_file.exists(), "a start without the key makes none");

    // Another key: refused, and the database is unchanged.
    write_kek(&kek_file, &Kek::generate().unwrap());
    let e = start_err(&env, env.config()).await;
    assert!(e.contains("does not open the database's secrets"), "{e}");

    // Open to others: refused before it is read.
    std::fs::write(&kek_file, &right).unwrap();
    std::fs::set_permissions(&kek_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = start_err(&env, env.config()).await;
    assert!(e.contains("chmod 600"), "{e}");

    // The right one, also given as a value from elsewhere: the same CA and sealing key.
    std::fs::set_permissions(&kek_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let api = env.start().await;
    assert_eq!(api.ca_pem, ca_pem);
    assert_eq!(api.state().sealing.as_bytes(), sealing.as_slice());
    assert_eq!(stored_secrets(api.db()).await, (ca, seal));
    api.stop().await;
    std::fs::remove_file(&kek_file).unwrap();
    let mut config = env.config();
    config.kek = KekSource::Value(Zeroizing::new(String::from_utf8(right).unwrap()));
    let api = env.start_with(config, Default::default()).await;
    assert_eq!(api.state().sealing.as_bytes(), sealing.as_slice());
    assert!(!kek_file.exists());
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_an_older_database_stored_plain_are_wrapped_at_start() {
    let env = Env::new(Backend::Sqlite).await;
    std::fs::create_dir_all(env.data_dir()).unwrap();
    let url = env.config().database_url();
    let db = Db::connect(&url, CreateMode::CreateIfMissing)
        .await
        .unwrap();
    let ca = LocalCa::generate(azmc_pki::clock::system().now()).unwrap();
    db.put_server_ca_if_absent(&ca.cert_pem, ca.key_der())
        .await
        .unwrap();
    let plain = [42u8; 32];
    db.sealing_key_or_insert(&plain).await.unwrap();
    let sealed = SealingKey::from_bytes(&plain)
        .unwrap()
        .seal(b"a service key", b"thumb")
        .unwrap();
    db.close().await;

    let api = env.start().await;
    assert_eq!(api.ca_pem, ca.cert_pem.as_bytes());
    let (stored_ca, stored_seal) = stored_secrets(api.db()).await;
    assert!(stored_ca.starts_with(MAGIC) && stored_seal.starts_with(MAGIC));
    assert_eq!(
        api.state()
            .sealing
            .open(&sealed, b"thumb")
            .unwrap()
            .as_slice(),
        b"a service key"
    );
    api.stop().await;
    // From now on the key is needed.
    std::fs::remove_file(env.data_dir().join("kek")).unwrap();
    let e = start_err(&env, env.config()).await;
    assert!(e.contains("no key-encryption key"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_rewraps_the_secrets_and_an_interrupted_one_recovers() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let sealing = api.state().sealing.as_bytes().to_vec();
    let ca_pem = api.ca_pem.clone();
    let before = stored_secrets(api.db()).await;
    api.stop().await;
    let kek_file = env.data_dir().join("kek");
    let old = std::fs::read(&kek_file).unwrap();
    let source = KekSource::File(kek_file.clone());
    let db = Db::connect(&env.config().database_url(), CreateMode::MustExist)
        .await
        .unwrap();

    // In place.
    let r = keys::rotate(&db, &source, None).await.unwrap();
    assert!(r.in_place && r.kek_file == kek_file);
    assert_ne!(std::fs::read(&kek_file).unwrap(), old);
    assert!(!env.data_dir().join("kek.new").exists());
    let after = stored_secrets(&db).await;
    assert!(after.0 != before.0 && after.1 != before.1);
    // The old key opens nothing any more.
    let e = keys::rotate(
        &db,
        &KekSource::Value(Zeroizing::new(String::from_utf8(old).unwrap())),
        Some(&env.dir.path().join("unused")),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("does not open"), "{e}");
    assert!(!env.dir.path().join("unused").exists());

    // Interrupted after the database changed, before the new file was moved into place:
    // exactly what a rotation to `kek.new` leaves. The next start takes the new file.
    let staged = env.data_dir().join("kek.new");
    let r = keys::rotate(&db, &source, Some(&staged)).await.unwrap();
    assert!(!r.in_place);
    let new = std::fs::read(&staged).unwrap();
    // A rotation never overwrites a file.
    let e = keys::rotate(&db, &source, Some(&staged)).await.unwrap_err();
    assert!(e.to_string().contains("exists"), "{e}");
    // From the environment, the new key must go to a file of its own.
    let value = KekSource::Value(Zeroizing::new(String::from_utf8(new.clone()).unwrap()));
    let e = keys::rotate(&db, &value, None).await.unwrap_err();
    assert!(e.to_string().contains("--new-kek-file"), "{e}");
    db.close().await;
    let api = env.start().await;
    assert_eq!(std::fs::read(&kek_file).unwrap(), new);
    assert!(!staged.exists());
    assert_eq!(api.state().sealing.as_bytes(), sealing.as_slice());
    assert_eq!(api.ca_pem, ca_pem);
    api.stop().await;

    // Interrupted before the database changed: the stray new key is dropped.
    write_kek(&staged, &Kek::generate().unwrap());
    let api = env.start().await;
    assert!(!staged.exists());
    assert_eq!(std::fs::read(&kek_file).unwrap(), new);
    assert_eq!(api.state().sealing.as_bytes(), sealing.as_slice());
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_on_one_postgresql_database_share_the_kek() {
    let env = Env::new(Backend::Postgres).await;
    let first = env.start().await;
    let kek = std::fs::read_to_string(env.data_dir().join("kek")).unwrap();
    let other = tempfile::tempdir().unwrap();

    // A second node with its own data directory and no key: refused, nothing made.
    let mut config = env.config();
    config.data_dir = other.path().join("data");
    config.kek = KekSource::File(config.data_dir.join("kek"));
    let e = start_err(&env, config.clone()).await;
    assert!(e.contains("no key-encryption key"), "{e}");
    assert!(!config.data_dir.join("kek").exists());

    // With the first node's key from the environment: the same CA and sealing key.
    config.kek = KekSource::Value(Zeroizing::new(kek));
    let second = env.start_with(config, Default::default()).await;
    assert_eq!(
        std::fs::read(other.path().join("data/ca.pem")).unwrap(),
        first.ca_pem
    );
    assert_eq!(
        second.state().sealing.as_bytes(),
        first.state().sealing.as_bytes()
    );
    second.stop().await;
    first.stop().await;
}
