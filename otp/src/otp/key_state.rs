//! HMAC (RFC 2104) over an 8-byte counter with the key's two padded blocks
//! hashed once, ahead of time.
//!
//! HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). The blocks `K ^ ipad` and
//! `K ^ opad` depend on the key alone, so their compressed states are kept per
//! account while its codes are on screen; a code then costs one compression
//! for the inner hash (counter and padding fit in one block) and one for the
//! outer (inner digest and padding fit in one block), instead of four. The
//! compression functions are RustCrypto's (`sha1`, `sha2`, SHA instructions
//! where the CPU has them); the tests check every result against the `hmac`
//! crate. The states are zeroized on drop: they stand in for the key.

use sha1::digest::generic_array::GenericArray;
use sha2::Digest;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::Algorithm;

const IPAD: u8 = 0x36;
const OPAD: u8 = 0x5c;

/// FIPS 180-4 initial hash values.
const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xefcd_ab89,
    0x98ba_dcfe,
    0x1032_5476,
    0xc3d2_e1f0,
];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// The inner and outer states of one key, for one hash function.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(super) enum KeyState {
    Sha1 { inner: [u32; 5], outer: [u32; 5] },
    Sha256 { inner: [u32; 8], outer: [u32; 8] },
    Sha512 { inner: [u64; 8], outer: [u64; 8] },
}

impl KeyState {
    pub(super) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => {
                let (ipad, opad) =
                    padded_blocks::<64>(key, |long| sha1::Sha1::digest(long).to_vec());
                let mut inner = SHA1_IV;
                let mut outer = SHA1_IV;
                sha1_compress(&mut inner, &ipad);
                sha1_compress(&mut outer, &opad);
                KeyState::Sha1 { inner, outer }
            }
            Algorithm::Sha256 => {
                let (ipad, opad) =
                    padded_blocks::<64>(key, |long| sha2::Sha256::digest(long).to_vec());
                let mut inner = SHA256_IV;
                let mut outer = SHA256_IV;
                sha256_compress(&mut inner, &ipad);
                sha256_compress(&mut outer, &opad);
                KeyState::Sha256 { inner, outer }
            }
            Algorithm::Sha512 => {
                let (ipad, opad) =
                    padded_blocks::<128>(key, |long| sha2::Sha512::digest(long).to_vec());
                let mut inner = SHA512_IV;
                let mut outer = SHA512_IV;
                sha512_compress(&mut inner, &ipad);
                sha512_compress(&mut outer, &opad);
                KeyState::Sha512 { inner, outer }
            }
        }
    }

    /// HMAC of the big-endian `counter`, then RFC 4226's dynamic truncation.
    pub(super) fn truncated_value(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match self {
            KeyState::Sha1 { inner, outer } => {
                let mut state = *inner;
                sha1_compress(&mut state, &last_block::<64>(&message, 64));
                let inner_digest = words32_be::<20>(&state);
                let mut state = *outer;
                sha1_compress(&mut state, &last_block::<64>(&inner_digest, 64));
                truncate(&words32_be::<20>(&state))
            }
            KeyState::Sha256 { inner, outer } => {
                let mut state = *inner;
                sha256_compress(&mut state, &last_block::<64>(&message, 64));
                let inner_digest = words32_be::<32>(&state);
                let mut state = *outer;
                sha256_compress(&mut state, &last_block::<64>(&inner_digest, 64));
                truncate(&words32_be::<32>(&state))
            }
            KeyState::Sha512 { inner, outer } => {
                let mut state = *inner;
                sha512_compress(&mut state, &last_block::<128>(&message, 128));
                let inner_digest = words64_be(&state);
                let mut state = *outer;
                sha512_compress(&mut state, &last_block::<128>(&inner_digest, 128));
                truncate(&words64_be(&state))
            }
        }
    }
}

/// `K ^ ipad` and `K ^ opad` for a block of `B` bytes; a key longer than a
/// block is hashed first (RFC 2104 section 2).
fn padded_blocks<const B: usize>(
    key: &[u8],
    hash: impl Fn(&[u8]) -> Vec<u8>,
) -> (Zeroizing<[u8; B]>, Zeroizing<[u8; B]>) {
    let hashed = if key.len() > B {
        Some(Zeroizing::new(hash(key)))
    } else {
        None
    };
    let key = hashed.as_deref().map_or(key, Vec::as_slice);
    let mut ipad = Zeroizing::new([IPAD; B]);
    let mut opad = Zeroizing::new([OPAD; B]);
    for (index, byte) in key.iter().enumerate() {
        ipad[index] ^= byte;
        opad[index] ^= byte;
    }
    (ipad, opad)
}

/// The final block of a message whose first `prefix` bytes (the padded key
/// block) were already compressed: `tail`, the 0x80 marker, zeros, and the
/// whole message's length in bits, big-endian, ending the block (SHA-512's
/// 16-byte length field has its upper half zero at these lengths).
fn last_block<const B: usize>(tail: &[u8], prefix: usize) -> [u8; B] {
    let mut block = [0u8; B];
    block[..tail.len()].copy_from_slice(tail);
    block[tail.len()] = 0x80;
    // (prefix + tail) * 8 is at most (128 + 64) * 8: it fits in any length field.
    let bits = ((prefix + tail.len()) as u64) * 8;
    block[B - 8..].copy_from_slice(&bits.to_be_bytes());
    block
}

fn words32_be<const N: usize>(state: &[u32]) -> [u8; N] {
    let mut out = [0u8; N];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn words64_be(state: &[u64; 8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (chunk, word) in out.chunks_exact_mut(8).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn sha1_compress(state: &mut [u32; 5], block: &[u8; 64]) {
    sha1::compress(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

fn sha256_compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

fn sha512_compress(state: &mut [u64; 8], block: &[u8; 128]) {
    sha2::compress512(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

fn truncate(mac: &[u8]) -> u32 {
    // Every HMAC here is at least 20 bytes, so offset + 3 <= 15 + 3 is in range.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff
}
