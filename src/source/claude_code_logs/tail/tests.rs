use super::*;
use std::io::Write;
use std::io::{Seek, SeekFrom};

fn blocks(content: &[u8], offset: u64) -> (Vec<(Vec<u8>, u64)>, u64, u64, u64) {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(content).unwrap();
    file.seek(SeekFrom::Start(offset)).unwrap();
    let mut buf = Vec::new();
    let mut reader = LineReader::new(&mut buf, offset);
    let mut seen = Vec::new();
    while reader
        .next_block(&mut file, |b, at| seen.push((b.to_vec(), at)))
        .unwrap()
    {}
    let (consumed, end, oversized) = (reader.consumed(), reader.end(), reader.oversized);
    (seen, consumed, end, oversized)
}

#[test]
fn complete_lines_are_handed_out_and_the_partial_one_waits() {
    let (seen, consumed, end, _) = blocks(b"one\ntwo\nthr", 0);
    assert_eq!(seen, vec![(b"one\ntwo\n".to_vec(), 0)]);
    assert_eq!((consumed, end), (8, 11));
}

#[test]
fn reading_resumes_at_an_offset() {
    let (seen, consumed, _, _) = blocks(b"one\ntwo\n", 4);
    assert_eq!(seen, vec![(b"two\n".to_vec(), 4)]);
    assert_eq!(consumed, 8);
}

#[test]
fn lines_longer_than_the_buffer_grow_it() {
    let long = vec![b'x'; CHUNK * 3];
    let mut content = long.clone();
    content.extend_from_slice(b"\nshort\n");
    let (seen, consumed, _, oversized) = blocks(&content, 0);
    let joined: Vec<u8> = seen.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(joined, content);
    assert_eq!((consumed, oversized), (content.len() as u64, 0));
}

#[test]
fn candidate_lines_finds_only_lines_with_the_needle() {
    let block = b"a\n{\"usage\":1}\nb\nc \"usage\" d\n";
    let needle = memchr::memmem::Finder::new(b"\"usage\"");
    let mut found = Vec::new();
    candidate_lines(block, 100, &needle, |l, at| {
        found.push((String::from_utf8(l.to_vec()).unwrap(), at));
    });
    assert_eq!(
        found,
        vec![
            ("{\"usage\":1}".to_string(), 102),
            ("c \"usage\" d".to_string(), 116)
        ]
    );
}

#[test]
fn the_head_hash_tells_a_rewritten_file() {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(b"hello world\n").unwrap();
    let a = hash_range(&file, 0, 5).unwrap();
    assert!(a.is_some());
    assert_eq!(hash_range(&file, 0, 5).unwrap(), a, "stable");
    assert_ne!(hash_range(&file, 6, 5).unwrap(), a, "another range");
    assert_eq!(
        hash_range(&file, 0, 100).unwrap(),
        None,
        "shorter than asked"
    );
}

#[test]
fn a_line_longer_than_the_limit_is_skipped_and_counted() {
    let mut content = b"first\n".to_vec();
    content.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
    content.extend_from_slice(b"\nlast\n");
    let (seen, consumed, _, oversized) = blocks(&content, 0);
    let joined: Vec<u8> = seen.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(joined, b"first\nlast\n");
    assert_eq!(oversized, 1);
    assert_eq!(consumed, content.len() as u64);
    assert_eq!(
        seen.last().unwrap().1,
        content.len() as u64 - 5,
        "offsets stay exact"
    );
}
