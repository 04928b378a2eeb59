//! The operation log of the user's subscriptions, newest first, with filters (GET query
//! parameters, so a filtered view can be bookmarked): subscription, time range (UTC),
//! status, certificate thumbprint; 50 per page.

use super::access::subscriptions_of;
use super::form::pairs;
use super::html;
use super::session::SignedIn;
use super::{Portal, PortalError};
use crate::domain::{Ctx, operations};
use axum::extract::State;
use axum::http::Uri;
use axum::response::IntoResponse;
use azmc_db::{Operation, OperationSearch, OperationStatus, Role, Subscription};
use azmc_pki::Thumbprint;
use maud::{Markup, html};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

const PAGE: u32 = 50;

/// `YYYY-MM-DDTHH:MM[:SS]` (as `datetime-local` inputs send, taken as UTC), a full
/// RFC 3339 time, or `YYYY-MM-DD` (midnight UTC).
fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    let long = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let short = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    if let Ok(p) = PrimitiveDateTime::parse(s, long).or_else(|_| PrimitiveDateTime::parse(s, short))
    {
        return Some(p.assume_utc());
    }
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// `From`/`To`: none when blank, else a time as [`parse_time`] reads it; `what` names the
/// field in the error.
fn time_filter(v: &str, what: &str) -> Result<Option<OffsetDateTime>, PortalError> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    parse_time(v).map(Some).ok_or_else(|| {
        PortalError::BadRequest(format!(
            "{what}: give a time as YYYY-MM-DDTHH:MM (UTC) or YYYY-MM-DD."
        ))
    })
}

#[derive(Debug, Default)]
struct Filters {
    subscription: String,
    from: String,
    to: String,
    status: String,
    thumbprint: String,
    page: u32,
}

impl Filters {
    fn from_uri(uri: &Uri) -> Filters {
        let mut f = Filters::default();
        for (k, v) in pairs(uri.query().unwrap_or_default().as_bytes()) {
            match k.as_str() {
                "subscription" => f.subscription = v,
                "from" => f.from = v,
                "to" => f.to = v,
                "status" => f.status = v,
                "thumbprint" => f.thumbprint = v,
                "page" => f.page = v.parse().unwrap_or(0),
                _ => {}
            }
        }
        f
    }

    fn query(&self, page: u32) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("subscription", &self.subscription),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("thumbprint", &self.thumbprint),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 0 {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }

    /// The search these filters ask for, within the user's subscriptions `mine`: one page
    /// plus one row (to tell whether there is an older page). Errors, in this order:
    /// [`PortalError::NotFound`] for a subscription not among `mine`, then
    /// [`PortalError::BadRequest`] for From, To, Status and the thumbprint.
    fn search(&self, mine: &[(Subscription, Role)]) -> Result<OperationSearch, PortalError> {
        let subscriptions = self.subscription_ids(mine)?;
        let start = time_filter(&self.from, "From")?;
        let end = time_filter(&self.to, "To")?;
        let status = self.status_filter()?;
        let thumbprint = self.thumbprint_filter()?;
        Ok(OperationSearch {
            subscriptions,
            start,
            end,
            status,
            thumbprint,
            offset: self.page.saturating_mul(PAGE),
            limit: PAGE + 1,
        })
    }

    /// All of `mine`, or the chosen one (its id as stored).
    fn subscription_ids(&self, mine: &[(Subscription, Role)]) -> Result<Vec<String>, PortalError> {
        if self.subscription.is_empty() {
            return Ok(mine.iter().map(|(s, _)| s.id.clone()).collect());
        }
        let s = mine
            .iter()
            .find(|(s, _)| s.id.eq_ignore_ascii_case(self.subscription.trim()))
            .ok_or(PortalError::NotFound)?;
        Ok(vec![s.0.id.clone()])
    }

    /// The status chosen, if any.
    fn status_filter(&self) -> Result<Option<OperationStatus>, PortalError> {
        match self.status.as_str() {
            "" => Ok(None),
            s => s.parse::<OperationStatus>().map(Some).map_err(|_| {
                PortalError::BadRequest("Status: choose InProgress, Succeeded or Failed.".into())
            }),
        }
    }

    /// The thumbprint given, if any.
    fn thumbprint_filter(&self) -> Result<Option<Thumbprint>, PortalError> {
        match self.thumbprint.trim() {
            "" => Ok(None),
            t => t.parse::<Thumbprint>().map(Some).map_err(|_| {
                PortalError::BadRequest(
                    "Certificate thumbprint: give 40 hexadecimal digits.".into(),
                )
            }),
        }
    }
}

/// `GET /operations`: one page of the log, filtered as the query parameters say.
pub async fn page(
    State(portal): State<Portal>,
    user: SignedIn,
    uri: Uri,
) -> Result<impl IntoResponse, PortalError> {
    let f = Filters::from_uri(&uri);
    let mine = subscriptions_of(&portal, &user).await?;
    let search = f.search(&mine)?;
    let mut ops = operations::search(&Ctx::of(&portal.app), &search).await?;
    let more = ops.len() > PAGE as usize;
    ops.truncate(PAGE as usize);
    Ok(html::page(
        "Operation log",
        Some(&user),
        html::Nav::Operations,
        html! {
            h1 { "Operation log" }
            (filter_form(&f, &mine))
            (operations_table(&ops, &mine))
            (pages(&f, more))
        },
    ))
}

/// The filter bar: a GET form showing the current filters.
fn filter_form(f: &Filters, mine: &[(Subscription, Role)]) -> Markup {
    html! {
        form method="get" action="/operations" {
            fieldset {
                legend { "Filters" }
                label for="f-sub" { "Subscription" }
                select id="f-sub" name="subscription" {
                    option value="" selected[f.subscription.is_empty()] { "All my subscriptions" }
                    @for (s, _) in mine {
                        option value=(s.id) selected[s.id.eq_ignore_ascii_case(&f.subscription)] { (s.name) }
                    }
                }
                label for="f-from" { "From (UTC)" }
                input type="datetime-local" id="f-from" name="from" value=(f.from);
                label for="f-to" { "To (UTC)" }
                input type="datetime-local" id="f-to" name="to" value=(f.to);
                label for="f-status" { "Status" }
                select id="f-status" name="status" {
                    option value="" selected[f.status.is_empty()] { "Any" }
                    @for s in ["InProgress", "Succeeded", "Failed"] {
                        option value=(s) selected[f.status == s] { (s) }
                    }
                }
                label for="f-thumb" { "Certificate thumbprint" }
                input type="text" id="f-thumb" name="thumbprint" value=(f.thumbprint);
                p { button type="submit" { "Filter" } }
            }
        }
    }
}

/// The subscription's name if it is one of `mine`, else its id.
fn subscription_name(mine: &[(Subscription, Role)], id: &str) -> String {
    mine.iter()
        .find(|(s, _)| s.id == id)
        .map(|(s, _)| s.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// The page's operations as a table, or a line saying none matches.
fn operations_table(ops: &[Operation], mine: &[(Subscription, Role)]) -> Markup {
    html! {
        @if ops.is_empty() {
            p { "No operation matches." }
        } @else {
            table {
                caption { "Operations, newest first" }
                thead { tr {
                    th scope="col" { "Started" }
                    th scope="col" { "Subscription" }
                    th scope="col" { "Operation" }
                    th scope="col" { "Object" }
                    th scope="col" { "Status" }
                    th scope="col" { "Caller" }
                    th scope="col" { "Error" }
                } }
                tbody { @for o in ops { tr {
                    td { (html::time(o.started_at)) }
                    td { (subscription_name(mine, &o.subscription_id)) }
                    th scope="row" { (o.name) }
                    td class="mono" { (o.object_id) }
                    td { (o.status) @if let Some(h) = o.http_status { " (" (h) ")" } }
                    td {
                        @if let Some(u) = &o.caller.user { "User " (u) br; }
                        @if let Some(t) = &o.caller.thumbprint { "Certificate " span class="mono" { (t) } br; }
                        @if let Some(ip) = &o.caller.client_ip { "from " (ip) }
                    }
                    td { @if let Some(c) = &o.error_code { (c) ": " (o.error_message.as_deref().unwrap_or("")) } }
                } } }
            }
        }
    }
}

/// Links to the newer and the older page, where there is one.
fn pages(f: &Filters, more: bool) -> Markup {
    html! {
        nav aria-label="Pages" {
            @if f.page > 0 { a href={ "/operations?" (f.query(f.page - 1)) } { "Newer" } " " }
            @if more { a href={ "/operations?" (f.query(f.page + 1)) } { "Older" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_time;
    use time::macros::datetime;

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2030-01-02T03:04"),
            Some(datetime!(2030-01-02 03:04 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02T03:04:05"),
            Some(datetime!(2030-01-02 03:04:05 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02"),
            Some(datetime!(2030-01-02 00:00 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02T03:04:05+01:00"),
            Some(datetime!(2030-01-02 02:04:05 UTC))
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
