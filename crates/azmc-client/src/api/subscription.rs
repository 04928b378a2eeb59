//! The subscription: Get Subscription.

use crate::client::Client;
use crate::error::Result;
use azmc_wire::asm::{self as wire, SubscriptionXml};

impl Client {
    /// Get Subscription.
    pub async fn subscription_info(&self) -> Result<SubscriptionXml> {
        self.get("", "Get Subscription", wire::parse_subscription)
            .await
    }
}
