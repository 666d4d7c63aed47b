fn main() {
    for f in std::env::args().skip(1) {
        let b = std::fs::read(&f).unwrap();
        match h248_stack::text::decode(&b) {
            Ok(m) => println!("{f}: {:?}", m),
            Err(e) => println!("{f}: ERROR {e}"),
        }
    }
}
