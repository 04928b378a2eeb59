//! List the storage accounts of a subscription, create one if asked, and wait for it.
//!
//! ```text
//! cargo run -p azmc-client --example list_storage -- \
//!     https://127.0.0.1:9443 SUBSCRIPTION-ID mgmt.pem ca.pem [NEW-ACCOUNT-NAME]
//! ```
//!
//! `mgmt.pem` holds the management certificate and its private key (e.g. from
//! `azmc publishsettings extract FILE --out mgmt.pem`); `ca.pem` is the server's CA
//! (`azmc serve` writes it into its data directory).

use azmc_client::api::CreateStorageAccount;
use azmc_client::{Client, ClientConfig, Endpoint, Identity, Trust, WaitOptions};
use azmc_pki::{Certificate, PrivateKey};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, subscription, pem, ca, rest @ ..] = args.as_slice() else {
        eprintln!("usage: list_storage ENDPOINT SUBSCRIPTION MGMT.PEM CA.PEM [NEW-ACCOUNT]");
        std::process::exit(2);
    };
    let both = std::fs::read(pem)?;
    let identity = Identity::new(Certificate::from_pem(&both)?, PrivateKey::from_pem(&both)?)?;
    let trust = Trust::from_pem(ca, &std::fs::read(ca)?)?;
    let config = ClientConfig::new(Endpoint::parse(endpoint)?, subscription, identity, trust);
    let client = Client::new(config)?;
    client.on_retry(|e| eprintln!("retrying: {} (in {:?})", e.reason, e.delay));

    if let Some(name) = rest.first() {
        let submitted = client
            .create_storage_account(&CreateStorageAccount::new(name, "West US"))
            .await?;
        if let Some(id) = submitted.request_id() {
            let done = client
                .wait(id, WaitOptions::default(), |status, waited| {
                    eprintln!("{id}: {} after {waited:?}", status.status);
                })
                .await?;
            eprintln!("created {name}: {}", done.status);
        }
    }
    for account in client.list_storage_accounts().await? {
        println!(
            "{}\t{}\t{}",
            account.service_name,
            account.location.as_deref().unwrap_or("-"),
            account.status
        );
    }
    Ok(())
}
