//! SQL servers and their firewall rules.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::{ClientError, Result};
use azmc_wire::asm::{self as wire, FirewallRuleXml, SqlServerXml};
use hyper::http::Method;

impl Client {
    pub async fn list_sql_servers(&self) -> Result<Vec<SqlServerXml>> {
        self.get(
            "/services/sqlservers/servers",
            "List SQL Servers",
            wire::parse_sql_servers,
        )
        .await
    }

    /// Create SQL Server: the generated server name.
    pub async fn create_sql_server(
        &self,
        login: &str,
        password: &str,
        location: &str,
    ) -> Result<String> {
        let input = wire::SqlServerInput {
            administrator_login: Some(login.to_string()),
            administrator_login_password: Some(password.to_string()),
            location: Some(location.to_string()),
            version: None,
        };
        let req = crate::RawRequest::new(Method::POST, self.path("/services/sqlservers/servers"))
            .xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_sql_server_name(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Create SQL Server".into(),
            reason: e.to_string(),
        })
    }

    pub async fn delete_sql_server(&self, server: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/sqlservers/servers/{}", seg(server)),
            None,
        )
        .await
    }

    pub async fn reset_sql_server_password(
        &self,
        server: &str,
        password: &str,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!(
                "/services/sqlservers/servers/{}?op=ResetPassword",
                seg(server)
            ),
            Some(wire::sql_admin_password_to_xml(password)),
        )
        .await
    }

    pub async fn list_firewall_rules(&self, server: &str) -> Result<Vec<FirewallRuleXml>> {
        self.get(
            &format!("/services/sqlservers/servers/{}/firewallrules", seg(server)),
            "List Firewall Rules",
            wire::parse_firewall_rules,
        )
        .await
    }

    pub async fn create_firewall_rule(
        &self,
        server: &str,
        name: &str,
        start: &str,
        end: &str,
    ) -> Result<FirewallRuleXml> {
        let path = format!("/services/sqlservers/servers/{}/firewallrules", seg(server));
        self.send_firewall_rule(
            Method::POST,
            &path,
            (name, start, end),
            "Create Firewall Rule",
        )
        .await
    }

    pub async fn update_firewall_rule(
        &self,
        server: &str,
        name: &str,
        start: &str,
        end: &str,
    ) -> Result<FirewallRuleXml> {
        let path = format!(
            "/services/sqlservers/servers/{}/firewallrules/{}",
            seg(server),
            seg(name)
        );
        self.send_firewall_rule(
            Method::PUT,
            &path,
            (name, start, end),
            "Update Firewall Rule",
        )
        .await
    }

    /// Sends a firewall rule (`name`, start and end address) to `path`; `what` names the
    /// operation in errors.
    async fn send_firewall_rule(
        &self,
        method: Method,
        path: &str,
        (name, start, end): (&str, &str, &str),
        what: &str,
    ) -> Result<FirewallRuleXml> {
        let input = wire::FirewallRuleInput {
            name: Some(name.to_string()),
            start_ip_address: Some(start.to_string()),
            end_ip_address: Some(end.to_string()),
        };
        let req = crate::RawRequest::new(method, self.path(path)).xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_firewall_rule(&resp.body).map_err(|e| ClientError::BadResponse {
            what: what.into(),
            reason: e.to_string(),
        })
    }

    pub async fn delete_firewall_rule(&self, server: &str, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "/services/sqlservers/servers/{}/firewallrules/{}",
                seg(server),
                seg(name)
            ),
            None,
        )
        .await
    }
}
