//! Locations: List Locations.

use crate::client::Client;
use crate::error::Result;
use azmc_wire::asm::{self as wire, LocationXml};

impl Client {
    /// List Locations.
    pub async fn list_locations(&self) -> Result<Vec<LocationXml>> {
        self.get("/locations", "List Locations", wire::parse_locations)
            .await
    }
}
