//! The CBC block ciphers of PKCS#12 and PBES2: 3DES (three- and two-key), RC2 and AES,
//! with PKCS#7 padding.

use crate::error::{PkiError, Result};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit,
};
use zeroize::Zeroizing;

/// A CBC block cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cipher {
    DesEde3,
    DesEde2,
    /// RC2 with a key of `bits` bits (also the effective key length).
    Rc2 {
        bits: usize,
    },
    Aes128,
    Aes192,
    Aes256,
}

/// Decryption failed: wrong key (bad padding) or not a whole number of blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadDecrypt;

impl Cipher {
    pub(crate) fn key_len(self) -> usize {
        match self {
            Cipher::DesEde3 | Cipher::Aes192 => 24,
            Cipher::DesEde2 | Cipher::Aes128 => 16,
            Cipher::Rc2 { bits } => bits / 8,
            Cipher::Aes256 => 32,
        }
    }

    pub(crate) fn iv_len(self) -> usize {
        match self {
            Cipher::DesEde3 | Cipher::DesEde2 | Cipher::Rc2 { .. } => 8,
            Cipher::Aes128 | Cipher::Aes192 | Cipher::Aes256 => 16,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Cipher::DesEde3 => "DES-EDE3-CBC",
            Cipher::DesEde2 => "DES-EDE2-CBC",
            Cipher::Rc2 { bits: 40 } => "RC2-40-CBC",
            Cipher::Rc2 { .. } => "RC2-CBC",
            Cipher::Aes128 => "AES-128-CBC",
            Cipher::Aes192 => "AES-192-CBC",
            Cipher::Aes256 => "AES-256-CBC",
        }
    }

    /// CBC-decrypt and remove PKCS#7 padding.
    pub(crate) fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> std::result::Result<Zeroizing<Vec<u8>>, BadDecrypt> {
        if key.len() != self.key_len() || iv.len() != self.iv_len() {
            return Err(BadDecrypt);
        }
        match self {
            Cipher::DesEde3 => cbc_decrypt(des::TdesEde3::new_from_slice(key), iv, data),
            Cipher::DesEde2 => cbc_decrypt(des::TdesEde2::new_from_slice(key), iv, data),
            Cipher::Rc2 { bits } => cbc_decrypt(rc2_cipher(key, bits), iv, data),
            Cipher::Aes128 => cbc_decrypt(aes::Aes128::new_from_slice(key), iv, data),
            Cipher::Aes192 => cbc_decrypt(aes::Aes192::new_from_slice(key), iv, data),
            Cipher::Aes256 => cbc_decrypt(aes::Aes256::new_from_slice(key), iv, data),
        }
    }

    /// Add PKCS#7 padding and CBC-encrypt.
    pub(crate) fn encrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        if key.len() != self.key_len() || iv.len() != self.iv_len() {
            return Err(PkiError::Crypto(
                "cipher key or IV of the wrong length".into(),
            ));
        }
        match self {
            Cipher::DesEde3 => cbc_encrypt(des::TdesEde3::new_from_slice(key), iv, data),
            Cipher::DesEde2 => cbc_encrypt(des::TdesEde2::new_from_slice(key), iv, data),
            Cipher::Rc2 { bits } => cbc_encrypt(rc2_cipher(key, bits), iv, data),
            Cipher::Aes128 => cbc_encrypt(aes::Aes128::new_from_slice(key), iv, data),
            Cipher::Aes192 => cbc_encrypt(aes::Aes192::new_from_slice(key), iv, data),
            Cipher::Aes256 => cbc_encrypt(aes::Aes256::new_from_slice(key), iv, data),
        }
    }
}

fn rc2_cipher(
    key: &[u8],
    bits: usize,
) -> std::result::Result<rc2::Rc2, cbc::cipher::InvalidLength> {
    // `new_with_eff_key_len` copies the key into a 128-byte buffer: check the length first.
    if key.is_empty() || key.len() > 128 || bits == 0 || bits > 1024 {
        return Err(cbc::cipher::InvalidLength);
    }
    Ok(rc2::Rc2::new_with_eff_key_len(key, bits))
}

fn cbc_decrypt<C: BlockCipherDecrypt>(
    cipher: std::result::Result<C, cbc::cipher::InvalidLength>,
    iv: &[u8],
    data: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, BadDecrypt> {
    let cipher = cipher.map_err(|_| BadDecrypt)?;
    let mode = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(|_| BadDecrypt)?;
    let mut buf = Zeroizing::new(data.to_vec());
    let n = mode
        .decrypt_padded::<Pkcs7>(buf.as_mut_slice())
        .map_err(|_| BadDecrypt)?
        .len();
    buf.truncate(n);
    Ok(buf)
}

fn cbc_encrypt<C: BlockCipherEncrypt>(
    cipher: std::result::Result<C, cbc::cipher::InvalidLength>,
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>> {
    let cipher = cipher.map_err(|e| PkiError::Crypto(format!("cipher key: {e}")))?;
    let mode = cbc::Encryptor::<C>::inner_iv_slice_init(cipher, iv)
        .map_err(|e| PkiError::Crypto(format!("cipher IV: {e}")))?;
    Ok(mode.encrypt_padded_vec::<Pkcs7>(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_errors_are_errors() {
        let key = [7u8; 24];
        let iv = [9u8; 8];
        let ct = Cipher::DesEde3.encrypt(&key, &iv, b"hello world").unwrap();
        assert_eq!(ct.len(), 16);
        assert_eq!(
            Cipher::DesEde3.decrypt(&key, &iv, &ct).unwrap().as_slice(),
            b"hello world"
        );
        // Wrong key: an error, or at least not the plaintext (never a panic).
        let mut wrong = key;
        wrong[0] ^= 0x55;
        let r = Cipher::DesEde3.decrypt(&wrong, &iv, &ct);
        if let Ok(pt) = &r {
            assert_ne!(pt.as_slice(), b"hello world");
        }
        // Not a whole number of blocks, empty, wrong key/IV lengths.
        assert_eq!(
            Cipher::DesEde3.decrypt(&key, &iv, &ct[..15]),
            Err(BadDecrypt)
        );
        assert_eq!(Cipher::DesEde3.decrypt(&key, &iv, &[]), Err(BadDecrypt));
        assert_eq!(
            Cipher::DesEde3.decrypt(&key[..23], &iv, &ct),
            Err(BadDecrypt)
        );
        assert_eq!(Cipher::Aes256.decrypt(&[0; 32], &iv, &ct), Err(BadDecrypt));
        // A last block that decrypts to padding byte 0 or > block size.
        for last in [0u8, 9, 0xff] {
            let mut block = [1u8; 8];
            block[7] = last;
            let raw = cbc_encrypt_nopad(&key, &iv, &block);
            assert_eq!(Cipher::DesEde3.decrypt(&key, &iv, &raw), Err(BadDecrypt));
        }
        // Inconsistent padding bytes (03 03 02).
        let mut block = [1u8; 8];
        block[5..].copy_from_slice(&[3, 2, 3]);
        let raw = cbc_encrypt_nopad(&key, &iv, &block);
        assert_eq!(Cipher::DesEde3.decrypt(&key, &iv, &raw), Err(BadDecrypt));
    }

    fn cbc_encrypt_nopad(key: &[u8], iv: &[u8], block: &[u8; 8]) -> Vec<u8> {
        use cbc::cipher::block_padding::NoPadding;
        let c = des::TdesEde3::new_from_slice(key).unwrap();
        cbc::Encryptor::<des::TdesEde3>::inner_iv_slice_init(c, iv)
            .unwrap()
            .encrypt_padded_vec::<NoPadding>(block)
    }

    #[test]
    fn all_ciphers_round_trip() {
        for c in [
            Cipher::DesEde3,
            Cipher::DesEde2,
            Cipher::Rc2 { bits: 40 },
            Cipher::Rc2 { bits: 128 },
            Cipher::Aes128,
            Cipher::Aes192,
            Cipher::Aes256,
        ] {
            let key = vec![0x42; c.key_len()];
            let iv = vec![0x24; c.iv_len()];
            for len in [0usize, 1, 15, 16, 17, 100] {
                let msg = vec![0xabu8; len];
                let ct = c.encrypt(&key, &iv, &msg).unwrap();
                assert_eq!(ct.len() % c.iv_len(), 0);
                assert!(ct.len() > len);
                assert_eq!(
                    c.decrypt(&key, &iv, &ct).unwrap().as_slice(),
                    msg.as_slice()
                );
            }
        }
    }
}
