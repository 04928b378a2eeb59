//! `.publishsettings` reader: parse, resolve every subscription, open every certificate
//! (MAC checked and ignored), and look a subscription up by id and by name.
#![no_main]

use azmc_wire::publishsettings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(ps) = publishsettings::parse(data) else {
        return;
    };
    // Debug must work (and is redacted) for whatever parses.
    let _ = format!("{ps:?}");
    if let Some(first) = ps.profiles.first().and_then(|p| p.subscriptions.first()) {
        let _ = ps.find(&first.id);
        if let Some(name) = &first.name {
            let _ = ps.find(name);
        }
    }
    let Ok(subs) = ps.subscriptions() else {
        return;
    };
    for sub in &subs {
        let _ = sub.open_certificate(true);
        let _ = sub.open_certificate(false);
    }
});
