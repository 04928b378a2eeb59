//! Subscription operations: List Subscription Operations.

use super::query;
use crate::client::Client;
use crate::error::{ClientError, Result};
use azmc_pki::Thumbprint;
use azmc_wire::asm as wire;

impl Client {
    /// List Subscription Operations between two RFC 3339 times; follows continuation
    /// tokens up to `max_pages`. With `thumbprint`, only the operations made with that
    /// management certificate (the API has no such filter: it is applied here).
    pub async fn list_operations(
        &self,
        start: &str,
        end: &str,
        thumbprint: Option<&str>,
        max_pages: usize,
    ) -> Result<Vec<wire::SubscriptionOperationXml>> {
        let wanted = match thumbprint {
            Some(t) => Some(
                t.parse::<Thumbprint>()
                    .map_err(|e| ClientError::Config(format!("thumbprint {t:?}: {e}")))?,
            ),
            None => None,
        };
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..max_pages.max(1) {
            let mut rest = format!(
                "/operations?StartTime={}&EndTime={}",
                query(start),
                query(end)
            );
            if let Some(t) = &token {
                rest.push_str(&format!("&ContinuationToken={}", query(t)));
            }
            let page = self
                .get(
                    &rest,
                    "List Subscription Operations",
                    wire::parse_subscription_operations,
                )
                .await?;
            out.extend(page.operations.into_iter().filter(|o| {
                wanted.is_none_or(|w| {
                    o.operation_caller
                        .subscription_certificate_thumbprint
                        .as_deref()
                        .and_then(|t| t.parse::<Thumbprint>().ok())
                        == Some(w)
                })
            }));
            match page.continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(out)
    }
}
