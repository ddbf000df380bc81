//! A DER writer for tests that build ASN.1 by hand (attestation key
//! descriptions, certificates re-signed with odd algorithms): definite
//! lengths, and context tags in the high-tag form from 31 on.

pub fn tlv(identifier: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = identifier.to_vec();
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let digits: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|digit| *digit == 0)
            .collect();
        out.push(0x80 | digits.len() as u8);
        out.extend(digits);
    }
    out.extend_from_slice(content);
    out
}

/// An INTEGER in its shortest two's-complement form.
pub fn int(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    tlv(&[0x02], &bytes[start..])
}

pub fn enumerated(value: u8) -> Vec<u8> {
    tlv(&[0x0a], &[value])
}

pub fn octets(content: &[u8]) -> Vec<u8> {
    tlv(&[0x04], content)
}

pub fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(&[0x30], &items.concat())
}

pub fn set_of(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(&[0x31], &items.concat())
}

/// `[tag] EXPLICIT inner`: one identifier octet below 31, else 0xBF and the
/// tag number in base 128.
pub fn field(tag: u32, inner: impl AsRef<[u8]>) -> Vec<u8> {
    if tag < 31 {
        return tlv(&[0xa0 | tag as u8], inner.as_ref());
    }
    let mut digits = vec![(tag & 0x7f) as u8];
    let mut rest = tag >> 7;
    while rest > 0 {
        digits.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    digits.push(0xbf);
    digits.reverse();
    tlv(&digits, inner.as_ref())
}
