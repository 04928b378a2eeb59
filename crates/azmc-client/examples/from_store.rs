//! Use a management certificate of the local certificate store, found by its thumbprint
//! (what `X509Store.Find(FindByThumbprint)` did for .NET programs), to call the API.
//!
//! ```text
//! cargo run -p azmc-client --example from_store -- \
//!     https://127.0.0.1:9443 SUBSCRIPTION-ID THUMBPRINT ca.pem [SCOPE/STORE]
//! ```
//!
//! The store defaults to `CurrentUser/My`, where `azmc cert new` and `azmc account import`
//! put certificates (`azmc certstore list` shows them). A key protected with a passphrase
//! is asked for on the terminal.

use azmc_certstore::{CertStore, PassphraseSource, StoreError, StoreLocation, StorePaths};
use azmc_client::{Client, ClientConfig, Endpoint, Identity, Trust};
use zeroize::Zeroizing;

/// Reads a passphrase from standard input, for strongly protected keys.
struct AskOnStdin;

impl PassphraseSource for AskOnStdin {
    fn passphrase(&self, prompt: &str) -> Result<Zeroizing<String>, StoreError> {
        eprint!("{prompt}: ");
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| StoreError::Passphrase(e.to_string()))?;
        Ok(Zeroizing::new(
            line.trim_end_matches(['\r', '\n']).to_owned(),
        ))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, subscription, thumbprint, ca, rest @ ..] = args.as_slice() else {
        eprintln!("usage: from_store ENDPOINT SUBSCRIPTION THUMBPRINT CA.PEM [SCOPE/STORE]");
        std::process::exit(2);
    };
    let location: StoreLocation = rest
        .first()
        .map(String::as_str)
        .unwrap_or("CurrentUser/My")
        .parse()?;
    let store = CertStore::open(
        &StorePaths::from_env()?,
        &location,
        azmc_pki::clock::system(),
    )?;
    let (cert, key) = store.certificate_and_key(&thumbprint.parse()?, &AskOnStdin)?;
    eprintln!(
        "using {} ({}) from {location}",
        cert.subject(),
        cert.thumbprint()
    );
    let config = ClientConfig::new(
        Endpoint::parse(endpoint)?,
        subscription,
        Identity::new(cert, key)?,
        Trust::from_pem(ca, &std::fs::read(ca)?)?,
    );
    let client = Client::new(config)?;
    let sub = client.subscription_info().await?;
    println!("{}\t{}", sub.subscription_id, sub.subscription_name);
    Ok(())
}
