//! Steam Guard codes: the RFC 4226 truncated value written in base 26 with Steam's
//! alphabet (no vowels or look-alike characters), least significant first.

const ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";

pub(super) fn render(value: u32) -> String {
    let mut rest = value;
    let mut code = String::with_capacity(usize::from(super::STEAM_DIGITS));
    for _ in 0..super::STEAM_DIGITS {
        let index = (rest % 26) as usize;
        code.push(char::from(ALPHABET[index]));
        rest /= 26;
    }
    code
}
