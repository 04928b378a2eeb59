//! A small password strength estimate for the portal's password change (no dependency):
//! character classes give the bits of a character chosen at random; a character that
//! repeats or continues a sequence of the one before (`aaaa`, `1234`, `cba`, `qwer`)
//! adds one bit; a common password or word inside the password (a short embedded list
//! of the most used ones) and the username add a few bits in all. Refused below
//! [`MIN_BITS`], with the estimate shown.

/// The least estimated strength accepted, in bits.
pub const MIN_BITS: u32 = 45;

/// The most common passwords and the words they are built from (lower case; a password
/// containing one of at least four characters counts it as one guess among these).
const COMMON: &[&str] = &[
    "123456",
    "password",
    "12345678",
    "qwerty",
    "123456789",
    "12345",
    "1234",
    "111111",
    "1234567",
    "dragon",
    "123123",
    "baseball",
    "abc123",
    "football",
    "monkey",
    "letmein",
    "696969",
    "shadow",
    "master",
    "666666",
    "qwertyuiop",
    "123321",
    "mustang",
    "1234567890",
    "michael",
    "654321",
    "superman",
    "1qaz2wsx",
    "7777777",
    "121212",
    "000000",
    "qazwsx",
    "123qwe",
    "killer",
    "trustno1",
    "jordan",
    "jennifer",
    "zxcvbnm",
    "asdfgh",
    "hunter",
    "buster",
    "soccer",
    "harley",
    "batman",
    "andrew",
    "tigger",
    "sunshine",
    "iloveyou",
    "2000",
    "charlie",
    "robert",
    "thomas",
    "hockey",
    "ranger",
    "daniel",
    "starwars",
    "klaster",
    "112233",
    "george",
    "computer",
    "michelle",
    "jessica",
    "pepper",
    "1111",
    "zxcvbn",
    "555555",
    "11111111",
    "131313",
    "freedom",
    "777777",
    "pass",
    "maggie",
    "159753",
    "aaaaaa",
    "ginger",
    "princess",
    "joshua",
    "cheese",
    "amanda",
    "summer",
    "love",
    "ashley",
    "nicole",
    "chelsea",
    "biteme",
    "matthew",
    "access",
    "yankees",
    "987654321",
    "dallas",
    "austin",
    "thunder",
    "taylor",
    "matrix",
    "welcome",
    "admin",
    "administrator",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "changeme",
    "secret",
    "azure",
    "login",
    "root",
    "default",
    "winter",
    "spring",
    "autumn",
    "qwerty123",
    "password1",
    "welcome1",
    "abcdef",
    "abcd",
    "test",
    "guest",
    "microsoft",
    "windows",
    "portal",
];

/// Keyboard rows: neighbours on them count as a sequence.
const ROWS: &[&str] = &["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"];

fn pool(password: &str) -> u32 {
    let mut pool = 0;
    if password.chars().any(|c| c.is_ascii_lowercase()) {
        pool += 26;
    }
    if password.chars().any(|c| c.is_ascii_uppercase()) {
        pool += 26;
    }
    if password.chars().any(|c| c.is_ascii_digit()) {
        pool += 10;
    }
    if password
        .chars()
        .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        pool += 33;
    }
    if !password.is_ascii() {
        pool += 100;
    }
    pool.max(10)
}

/// Whether `b` repeats `a` or comes next to it (alphabet, digits, keyboard row).
fn follows(a: char, b: char) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a == b || (a as u32).abs_diff(b as u32) == 1 {
        return true;
    }
    ROWS.iter().any(|row| {
        let r = row.as_bytes();
        r.windows(2).any(|w| {
            let (x, y) = (char::from(w[0]), char::from(w[1]));
            (x == a && y == b) || (x == b && y == a)
        })
    })
}

/// The estimated strength of `password` for `username`, in whole bits.
pub fn estimate(password: &str, username: &str) -> u32 {
    let chars: Vec<char> = password.chars().collect();
    let lower: Vec<char> = password.to_lowercase().chars().collect();
    if lower.len() != chars.len() {
        // Lower-casing changed the length (rare scripts): estimate on the text as given.
        return estimate_cheap(&chars, &vec![false; chars.len()], pool(password));
    }
    let text: String = lower.iter().collect();
    // Characters covered by a common word or the username count as one guess together.
    let mut covered = vec![false; chars.len()];
    let mut words = 0u32;
    let name = username.to_lowercase();
    let listed = COMMON.iter().copied().filter(|w| w.chars().count() >= 4);
    for word in listed.chain((name.chars().count() >= 3).then_some(name.as_str())) {
        let wl: Vec<char> = word.chars().collect();
        let mut i = 0;
        while i + wl.len() <= lower.len() {
            if lower[i..i + wl.len()] == wl[..] {
                if covered[i..i + wl.len()].iter().any(|c| !c) {
                    words += 1;
                }
                covered[i..i + wl.len()].iter_mut().for_each(|c| *c = true);
                i += wl.len();
            } else {
                i += 1;
            }
        }
    }
    if COMMON.contains(&text.as_str()) {
        return 0;
    }
    // Each word is one choice among the list (about 7 bits).
    estimate_cheap(&chars, &covered, pool(password)) + words * 7
}

fn estimate_cheap(chars: &[char], covered: &[bool], pool: u32) -> u32 {
    let per_char = f64::from(pool).log2();
    let mut bits = 0.0;
    for (i, c) in chars.iter().enumerate() {
        if covered[i] {
            continue;
        }
        let cheap = i > 0 && follows(chars[i - 1], *c);
        bits += if cheap { 1.0 } else { per_char };
    }
    // Whole bits; the estimate is far from exact anyway.
    bits.floor() as u32
}

/// Words for an estimate.
pub fn words(bits: u32) -> &'static str {
    match bits {
        b if b < MIN_BITS => "too weak",
        b if b < 60 => "fair",
        b if b < 80 => "good",
        _ => "strong",
    }
}

#[cfg(test)]
mod tests {
    use super::{MIN_BITS, estimate};

    #[test]
    fn weak_passwords_are_refused() {
        for weak in [
            "aaaaaaaaaaaa",
            "123456789012",
            "abcdefghijkl",
            "qwertyuiopas",
            "password1234",
            "Password1234",
            "passwordpassword",
            "iloveyou2000",
            "zyxwvutsrqpo",
            "alicealice12",
            "111111111111111111",
        ] {
            let bits = estimate(weak, "alice");
            assert!(bits < MIN_BITS, "{weak}: {bits} bits");
        }
    }

    #[test]
    fn reasonable_passwords_pass() {
        for good in [
            "river glass orbit 42",
            "a brand new password",
            "kim's new password",
            "correct horse battery staple",
            "Xk8#pQ2$vL9m",
            "ünïcödé pässwörd ok",
        ] {
            let bits = estimate(good, "alice");
            assert!(bits >= MIN_BITS, "{good}: {bits} bits");
        }
    }
}
