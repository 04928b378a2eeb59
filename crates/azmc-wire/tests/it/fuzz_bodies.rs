//! The bodies of the `forms` and `asm_requests` fuzz targets (`fuzz/bodies/`), run on
//! stable: over their seeds (`fuzz/seeds/<target>/`) and a few thousand deterministic
//! mutations of them, so that the targets' invariants hold in every `cargo test` even where
//! cargo-fuzz and libFuzzer are not available. A failure prints the input; add it to the
//! seeds with the fix.

#[path = "../../../../fuzz/bodies/asm_requests.rs"]
mod asm_requests;
#[path = "../../../../fuzz/bodies/forms.rs"]
mod forms;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/seeds")).join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seeds in {}", dir.display());
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// xorshift64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap()
        }
    }
}

/// Fragments that matter to the readers: markup, references, line ends, delimiters.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&#13;",
    b"&#xD;&#xA;",
    b"&#0;",
    b"\r",
    b"\r\n",
    b"\n",
    b" ",
    b"\t",
    b"\xC2\xA0",
    b"\xEF\xBF\xBF",
    b"\xE4\xB8\xAD",
    b"\xFF",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<!DOCTYPE x>",
    b" i:nil=\"true\"",
    b"<Name>",
    b"</Name>",
    b"<ExtendedProperty/>",
    b"<a:string>x</a:string>",
    b"--XyZ",
    b"--XyZ--",
    b"\r\n\r\n",
    b"Content-Disposition: form-data; name=\"",
    b"; filename=\"",
    b"%",
    b"%E4",
    b"+",
    b"=",
];

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(d.len() + 1);
        match rng.below(7) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                d.splice(at..at, t.iter().copied());
            }
            2 => {
                let end = (at + 1 + rng.below(16)).min(d.len());
                d.drain(at..end);
            }
            3 => {
                let end = (at + 1 + rng.below(32)).min(d.len());
                let copy = d[at..end].to_vec();
                let to = rng.below(d.len() + 1);
                d.splice(to..to, copy);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(64)).min(other.len());
                d.splice(at..at, other[from..end].iter().copied());
            }
            5 => d.truncate(at),
            _ => {
                let b = u8::try_from(rng.next() & 0xFF).unwrap();
                d.insert(at, b);
            }
        }
    }
    d
}

fn run_all(target: &str, body: fn(&[u8]), mutations: usize) -> Vec<Vec<u8>> {
    let seeds = seeds(target);
    let run = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| body(input))).is_err() {
            panic!(
                "{target}: the fuzz body failed on {:?}",
                String::from_utf8_lossy(input)
            );
        }
    };
    for s in &seeds {
        run(s);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..mutations {
        let seed = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())];
        run(&mutate(&mut rng, seed, other));
    }
    seeds
}

#[test]
fn asm_requests_over_seeds_and_mutations() {
    let seeds = run_all("asm_requests", asm_requests::run, 2500);
    // Every seed is a document, so the round trips above really ran.
    for s in &seeds {
        assert!(
            azmc_wire::asm::parse_document(s).is_ok(),
            "{}",
            String::from_utf8_lossy(s)
        );
    }
}

#[test]
fn forms_over_seeds_and_mutations() {
    let seeds = run_all("forms", forms::run, 4000);
    // The multipart seeds parse, with the boundary the body finds: the first line as a
    // Content-Type value, or the fixed one.
    let parsed = seeds
        .iter()
        .filter(|s| {
            let line = String::from_utf8_lossy(s.split(|&b| b == b'\n').next().unwrap());
            let boundary = azmc_wire::form::boundary(line.trim_end_matches('\r'));
            azmc_wire::form::multipart(s, boundary.as_deref().unwrap_or("XyZ")).is_some()
        })
        .count();
    assert!(parsed >= 2, "the multipart seeds no longer parse");
}
