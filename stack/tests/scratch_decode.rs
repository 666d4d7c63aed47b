#[test]
fn scratch() {
    let dir = "/work/shared/corpus";
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".ber.bin")).collect();
    names.sort();
    let mut bad = 0;
    for p in names {
        let bytes = std::fs::read(&p).unwrap();
        match h248_stack::ber::decode_default(&bytes) {
            Ok(_) => {}
            Err(e) => { bad += 1; println!("{}: {e}", p.display()); }
        }
    }
    println!("bad {bad}");
}
