//! Prometheus remote write 1.0 on the wire: a `WriteRequest` protobuf, compressed with
//! snappy's block format, written by hand (four small messages do not need a code
//! generator).
//!
//! ```text
//! WriteRequest { repeated TimeSeries timeseries = 1; }
//! TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//! Label        { string name = 1; string value = 2; }
//! Sample       { double value = 1; int64 timestamp = 2; }
//! ```

/// One series with one sample: its labels (`__name__` among them), sorted by name as the
/// protocol asks, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Label pairs, sorted by name.
    pub labels: Vec<(String, String)>,
    /// The sample's value.
    pub value: f64,
}

/// The uncompressed `WriteRequest` of `series`, every sample at `t_ms`.
pub(crate) fn write_request(series: &[Series], t_ms: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(series.len() * 96);
    let mut one = Vec::with_capacity(256);
    let mut part = Vec::with_capacity(128);
    for s in series {
        one.clear();
        for (name, value) in &s.labels {
            part.clear();
            bytes_field(&mut part, 1, name.as_bytes());
            bytes_field(&mut part, 2, value.as_bytes());
            bytes_field(&mut one, 1, &part);
        }
        part.clear();
        key(&mut part, 1, 1);
        part.extend_from_slice(&s.value.to_le_bytes());
        key(&mut part, 2, 0);
        varint(&mut part, t_ms as u64);
        bytes_field(&mut one, 2, &part);
        bytes_field(&mut out, 1, &one);
    }
    out
}

/// `raw` in snappy's block format, as the protocol's `Content-Encoding: snappy` means; an
/// error (only for a body past snappy's 4 GiB) rather than an empty body.
pub(crate) fn compress(raw: &[u8]) -> Result<Vec<u8>, snap::Error> {
    snap::raw::Encoder::new().compress_vec(raw)
}

fn key(out: &mut Vec<u8>, field: u64, wire: u64) {
    varint(out, (field << 3) | wire);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_series_encodes_as_protobuf_and_snappy_round_trips() {
        let s = Series {
            labels: vec![("__name__".into(), "up".into()), ("a".into(), "b".into())],
            value: 1.0,
        };
        let raw = write_request(&[s], 300);
        // Field 1 (timeseries), then its labels and its sample, byte for byte.
        let mut want = vec![0x0a, 38];
        want.extend([0x0a, 14, 0x0a, 8]);
        want.extend(b"__name__");
        want.extend([0x12, 2]);
        want.extend(b"up");
        want.extend([0x0a, 6, 0x0a, 1, b'a', 0x12, 1, b'b']);
        want.extend([0x12, 12, 0x09]);
        want.extend(1.0f64.to_le_bytes());
        want.extend([0x10, 0xac, 0x02]);
        assert_eq!(raw, want);
        let packed = compress(&raw).unwrap();
        let back = snap::raw::Decoder::new().decompress_vec(&packed).unwrap();
        assert_eq!(back, raw);
    }
}
