//! Export files made to exhaust the phone: each asks for memory, time or
//! output far beyond what any real app writes, and each must be refused with
//! the parameter and the limit named, before the expensive work starts.
//! (Before the import budget, these ran for hours or aborted on allocation.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use countersign_core::transfer::limits::{self, MAX_INPUT_BYTES};
use countersign_core::transfer::{ImportError, ImportFormat, read_export};

fn corpus(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/import");
    std::fs::read(path.join(name)).unwrap()
}

#[track_caller]
fn assert_over_limit(result: Result<impl std::fmt::Debug, ImportError>, parameter_part: &str) {
    match result {
        Err(ImportError::OverLimit {
            parameter,
            value,
            limit,
            ..
        }) => {
            assert!(
                parameter.contains(parameter_part),
                "refused for {parameter}, expected {parameter_part}"
            );
            assert!(value > limit);
        }
        other => panic!("expected a refusal naming {parameter_part}, got {other:?}"),
    }
}

#[test]
fn a_google_export_claiming_four_billion_codes_is_refused() {
    let result = read_export(&corpus("hostile-ga-batch-size.txt"), None, None);
    assert_over_limit(result, "batch size");
}

#[test]
fn a_google_export_at_the_batch_limit_still_names_its_missing_codes() {
    // size 100 (the cap), index 0 present: 99 missing codes are listed.
    let data = [0x18, 100, 0x20, 0, 0x28, 7];
    let uri = format!(
        "otpauth-migration://offline?data={}",
        data_encoding::BASE64.encode(&data).replace('=', "%3D")
    );
    let contents = read_export(uri.as_bytes(), None, None).unwrap();
    assert_eq!(contents.skipped.len(), 99);
}

#[test]
fn aegis_scrypt_memory_over_budget_is_refused_before_the_kdf() {
    // n = 2^22, r = 64: 32 GiB of scrypt memory; any password starts it.
    let result = read_export(
        &corpus("hostile-aegis-scrypt-memory.json"),
        None,
        Some("any password"),
    );
    assert_over_limit(result, "scrypt memory");
}

#[test]
fn aegis_scrypt_parallelism_over_budget_is_refused() {
    // p = 100,000: about 8.6 hours of scrypt.
    let result = read_export(
        &corpus("hostile-aegis-scrypt-p.json"),
        None,
        Some("any password"),
    );
    assert_over_limit(result, "scrypt p");
}

#[test]
fn freeotp_v2_iterations_over_budget_are_refused() {
    let bytes = corpus("hostile-freeotp-v2-iterations.bin");
    assert_eq!(
        countersign_core::transfer::detect(&bytes),
        Some(ImportFormat::FreeOtpV2)
    );
    let result = read_export(&bytes, None, Some("any password"));
    assert_over_limit(result, "PBKDF2 iterations");
}

#[test]
fn our_own_backup_with_log_n_22_is_refused() {
    let result = read_export(
        &corpus("hostile-countersign-log-n.json"),
        None,
        Some("any password"),
    );
    assert_over_limit(result, "log_n");
}

#[test]
fn an_authenticator_plus_zip_bomb_stops_at_the_read_limit() {
    // 17 MiB of one byte deflates to a few KiB; the reader must stop at 16 MiB.
    let bomb = zipcrypto::encrypted_zip("Accounts.txt", &vec![b'a'; 17 * 1024 * 1024], b"secret");
    assert!(bomb.len() < 1024 * 1024, "the bomb is small on disk");
    let result = read_export(&bomb, None, Some("secret"));
    assert_over_limit(result, "Accounts.txt");
}

#[test]
fn a_small_authenticator_plus_zip_still_reads() {
    let uri = b"otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example\n";
    let zip = zipcrypto::encrypted_zip("Accounts.txt", uri, b"secret");
    let contents =
        read_export(&zip, Some(ImportFormat::AuthenticatorPlus), Some("secret")).unwrap();
    assert_eq!(contents.accounts.len(), 1);
    assert!(matches!(
        read_export(&zip, Some(ImportFormat::AuthenticatorPlus), Some("wrong")),
        Err(ImportError::WrongPassword)
    ));
}

/// Traditional PKWARE encryption ("ZipCrypto", APPNOTE 6.1), which the zip
/// crate reads but no longer writes: enough to make Authenticator Plus files.
mod zipcrypto {
    use std::io::{Read, Write};

    fn crc_table() -> [u32; 256] {
        let mut table = [0u32; 256];
        for (n, entry) in table.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *entry = c;
        }
        table
    }

    struct Keys {
        keys: [u32; 3],
        table: [u32; 256],
    }

    impl Keys {
        fn new(password: &[u8]) -> Self {
            let mut keys = Self {
                keys: [0x1234_5678, 0x2345_6789, 0x3456_7890],
                table: crc_table(),
            };
            for byte in password {
                keys.update(*byte);
            }
            keys
        }

        fn crc(&self, crc: u32, byte: u8) -> u32 {
            self.table[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8)
        }

        fn update(&mut self, byte: u8) {
            self.keys[0] = self.crc(self.keys[0], byte);
            self.keys[1] = self.keys[1]
                .wrapping_add(self.keys[0] & 0xff)
                .wrapping_mul(134_775_813)
                .wrapping_add(1);
            self.keys[2] = self.crc(self.keys[2], (self.keys[1] >> 24) as u8);
        }

        fn encrypt(&mut self, plain: u8) -> u8 {
            let temp = (self.keys[2] | 2) as u16;
            let stream = (temp.wrapping_mul(temp ^ 1) >> 8) as u8;
            self.update(plain);
            plain ^ stream
        }
    }

    /// Deflates `data` (through the zip crate), then wraps it as one
    /// ZipCrypto-encrypted entry.
    pub fn encrypted_zip(name: &str, data: &[u8], password: &[u8]) -> Vec<u8> {
        let mut plain_zip = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut plain_zip);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer.start_file(name, options).unwrap();
            writer.write_all(data).unwrap();
            writer.finish().unwrap();
        }
        let mut archive = zip::ZipArchive::new(plain_zip).unwrap();
        let mut raw = archive.by_index_raw(0).unwrap();
        let crc = raw.crc32();
        let mut compressed = Vec::new();
        raw.read_to_end(&mut compressed).unwrap();

        let mut keys = Keys::new(password);
        let mut header = [0x5au8; 12];
        header[11] = (crc >> 24) as u8; // the check byte readers compare
        let mut sealed: Vec<u8> = header.iter().map(|b| keys.encrypt(*b)).collect();
        sealed.extend(compressed.iter().map(|b| keys.encrypt(*b)));

        let name = name.as_bytes();
        let mut out = Vec::new();
        let common = |out: &mut Vec<u8>| {
            out.extend_from_slice(&20u16.to_le_bytes()); // version needed
            out.extend_from_slice(&1u16.to_le_bytes()); // flags: encrypted
            out.extend_from_slice(&8u16.to_le_bytes()); // deflate
            out.extend_from_slice(&0u16.to_le_bytes()); // time
            out.extend_from_slice(&0x21u16.to_le_bytes()); // date
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(sealed.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&sealed);
        let directory_at = out.len();
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut out);
        out.extend_from_slice(&[0; 10]); // comment length, disk, attributes
        out.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
        out.extend_from_slice(name);
        let directory_len = out.len() - directory_at;
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&(directory_len as u32).to_le_bytes());
        out.extend_from_slice(&(directory_at as u32).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

#[test]
fn an_input_file_over_the_limit_is_refused_without_reading_it_all() {
    let endless = std::io::repeat(b'x');
    assert_over_limit(limits::read_input(endless), "file size");
    let big = vec![b'x'; MAX_INPUT_BYTES as usize + 1];
    assert_over_limit(read_export(&big, None, None), "file size");
}

#[test]
fn a_foreign_sqlite_file_with_an_expensive_generated_column_hits_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("databases");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        // Google Authenticator's table, whose `secret` costs milliseconds per
        // row (each value stays under the 1 MiB length cap); 5,000 rows.
        db.execute_batch(
            "CREATE TABLE accounts (
                _id INTEGER PRIMARY KEY, email TEXT NOT NULL, issuer TEXT,
                counter INTEGER, type INTEGER, original_name TEXT
            );
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
            INSERT INTO accounts (email, issuer, counter, type)
                SELECT 'user' || i || '@example.com', 'Example', 0, 0 FROM n;
            -- Added after the rows, so making the file does not pay for it.
            ALTER TABLE accounts ADD COLUMN secret TEXT GENERATED ALWAYS AS ('JBSWY3DPEHPK3PXP' || substr(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(hex(zeroblob(250000 + length(email))), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), '0', '1'), 1, 0)) VIRTUAL;",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        countersign_core::transfer::detect(&bytes),
        Some(ImportFormat::GoogleAuthenticatorDb)
    );
    let result = read_export(&bytes, None, None);
    assert_over_limit(result, "time to read the database");
}
