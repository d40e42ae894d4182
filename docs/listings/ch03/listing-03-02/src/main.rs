//! Listing 3-2: listing 3-1 plus masking (RFC 6455 section 5.3). Give it a whole frame in
//! hex and it prints the header, then the payload as it travelled and unmasked: a client's
//! frame, such as the ones listing 2-2 printed, becomes readable.

#![forbid(unsafe_code)]

/// One frame header, field by field.
#[derive(Debug, PartialEq, Eq)]
struct FrameHeader {
    fin: bool,
    rsv: [bool; 3],
    opcode: u8,
    masking_key: Option<[u8; 4]>,
    payload_len: u64,
}

/// Reads a header from the front of `buffer`: the header and how many bytes it took, or
/// `Ok(None)` if the buffer does not hold all of it yet (TCP may cut a frame anywhere).
fn parse_header(buffer: &[u8]) -> Result<Option<(FrameHeader, usize)>, String> {
    let [first, second, ..] = *buffer else {
        return Ok(None);
    };
    let masked = second & 0x80 != 0;
    // The 7-bit length is the length itself up to 125; 126 and 127 say that a 16-bit
    // or a 64-bit length follows, big-endian.
    let length_bytes = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let header_len = 2 + length_bytes + if masked { 4 } else { 0 };
    if buffer.len() < header_len {
        return Ok(None);
    }
    let extended = &buffer[2..2 + length_bytes];
    let payload_len = match length_bytes {
        0 => u64::from(second & 0x7f),
        2 => u64::from(u16::from_be_bytes([extended[0], extended[1]])),
        _ => {
            let length = u64::from_be_bytes(extended.try_into().expect("eight bytes"));
            if length >> 63 != 0 {
                return Err("the top bit of a 64-bit length must be 0 (RFC 6455 5.2)".into());
            }
            length
        }
    };
    let masking_key = masked.then(|| {
        let key = &buffer[2 + length_bytes..header_len];
        [key[0], key[1], key[2], key[3]]
    });
    let header = FrameHeader {
        fin: first & 0x80 != 0,
        rsv: [first & 0x40 != 0, first & 0x20 != 0, first & 0x10 != 0],
        opcode: first & 0x0f,
        masking_key,
        payload_len,
    };
    Ok(Some((header, header_len)))
}

fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        0x0 => "continuation",
        0x1 => "text",
        0x2 => "binary",
        0x8 => "close",
        0x9 => "ping",
        0xa => "pong",
        _ => "reserved",
    }
}

fn hex(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    hex.join(" ")
}

// ANCHOR: apply_mask
/// Section 5.3: byte `i` of the payload is XORed with byte `i % 4` of the masking key.
/// XOR twice with the same key gives the bytes back, so this both masks and unmasks.
fn apply_mask(payload: &mut [u8], masking_key: [u8; 4]) {
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= masking_key[i % 4];
    }
}
// ANCHOR_END: apply_mask

fn main() {
    let mut bytes = Vec::new();
    for arg in std::env::args().skip(1) {
        let Ok(byte) = u8::from_str_radix(arg.trim_start_matches("0x"), 16) else {
            eprintln!("{arg:?} is not a byte in hex, such as 81");
            std::process::exit(2);
        };
        bytes.push(byte);
    }
    let (header, header_len) = match parse_header(&bytes) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{} bytes are not a whole header: read more", bytes.len());
            return;
        }
        Err(problem) => {
            eprintln!("not a frame header: {problem}");
            std::process::exit(1);
        }
    };
    let bit = |set: bool| u8::from(set);
    let [rsv1, rsv2, rsv3] = header.rsv.map(bit);
    println!(
        "FIN={} RSV1={rsv1} RSV2={rsv2} RSV3={rsv3} opcode=0x{:x} ({})",
        bit(header.fin),
        header.opcode,
        opcode_name(header.opcode)
    );
    let mask = bit(header.masking_key.is_some());
    let form = match header_len - 2 - 4 * usize::from(mask) {
        0 => "7-bit",
        2 => "16-bit",
        _ => "64-bit",
    };
    print!(
        "MASK={mask} payload_len={} ({form} form)",
        header.payload_len
    );
    match header.masking_key {
        Some(key) => println!(" masking_key={}", hex(&key)),
        None => println!(),
    }
    let given = bytes.len() - header_len;
    println!(
        "header: {header_len} bytes, then {} payload bytes ({given} of them given here)",
        header.payload_len
    );
    // ANCHOR: payload
    // Bytes past the payload would be the next frame's: they are not ours to unmask.
    let payload_len = usize::try_from(header.payload_len).unwrap_or(usize::MAX);
    let end = bytes.len().min(header_len.saturating_add(payload_len));
    let mut payload = bytes[header_len..end].to_vec();
    if let Some(key) = header.masking_key {
        println!("payload on the wire: {}", hex(&payload));
        apply_mask(&mut payload, key);
        println!("payload unmasked:    {}", hex(&payload));
    } else {
        println!("payload: {}", hex(&payload));
    }
    if let Ok(text) = std::str::from_utf8(&payload) {
        println!("as text: {text:?}");
    }
    // ANCHOR_END: payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_examples_decode() {
        // RFC 6455 section 5.7: an unmasked "Hello", its first fragment, a masked pong.
        let (hello, len) = parse_header(&[0x81, 0x05, 0x48]).unwrap().unwrap();
        assert_eq!(
            (hello.fin, hello.opcode, hello.payload_len, len),
            (true, 1, 5, 2)
        );
        let (hel, _) = parse_header(&[0x01, 0x03]).unwrap().unwrap();
        assert_eq!((hel.fin, hel.opcode, hel.payload_len), (false, 1, 3));
        let (pong, len) = parse_header(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d])
            .unwrap()
            .unwrap();
        assert_eq!(pong.masking_key, Some([0x37, 0xfa, 0x21, 0x3d]));
        assert_eq!((pong.opcode, pong.payload_len, len), (0xa, 5, 6));
    }

    #[test]
    fn the_long_forms_decode() {
        let (header, len) = parse_header(&[0x82, 0x7e, 0x01, 0x00]).unwrap().unwrap();
        assert_eq!((header.payload_len, len), (256, 4));
        let mut long = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
        assert_eq!(parse_header(&long).unwrap().unwrap().0.payload_len, 65536);
        long[2] = 0x80;
        assert!(parse_header(&long).is_err());
    }

    #[test]
    fn the_rfc_masked_hello_unmasks() {
        // RFC 6455 section 5.7: "Hello" masked with the key 37 fa 21 3d.
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d]);
        assert_eq!(&payload, b"Hello");
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d]);
        assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn a_cut_header_asks_for_more() {
        assert_eq!(parse_header(&[0x81]), Ok(None));
        assert_eq!(parse_header(&[0x82, 0x7e, 0x01]), Ok(None));
        assert_eq!(parse_header(&[0x81, 0x85, 0x37, 0xfa, 0x21]), Ok(None));
    }
}
