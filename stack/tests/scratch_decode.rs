#[test]
fn scratch() {
    let dir = "/work/shared/corpus";
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".ber.bin")).collect();
    names.sort();
    let mut bad = 0; let mut differ = 0;
    std::fs::create_dir_all("/tmp/berout").unwrap();
    let mut pairs = String::new();
    for p in names {
        let bytes = std::fs::read(&p).unwrap();
        match h248_stack::ber::decode_default(&bytes) {
            Ok(m) => match h248_stack::ber::encode_to_vec(&m) {
                Ok(out) => {
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    let o = format!("/tmp/berout/{name}");
                    std::fs::write(&o, &out).unwrap();
                    pairs.push_str(&format!("{o} {}\n", p.display()));
                    if out != bytes { differ += 1; println!("differs: {name}"); }
                    let again = h248_stack::ber::decode_default(&out).unwrap();
                    assert_eq!(again, m, "{name}");
                }
                Err(e) => { bad += 1; println!("{}: encode {e}", p.display()); }
            },
            Err(e) => { bad += 1; println!("{}: {e}", p.display()); }
        }
    }
    std::fs::write("/tmp/berout/pairs.txt", pairs).unwrap();
    println!("bad {bad} differ {differ}");
}
