fn main() {
    let rounds: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let dir = "/work/shared/corpus";
    let mut msgs = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.to_str().unwrap().ends_with(".pretty.txt") {
            msgs.push(std::fs::read(&p).unwrap());
        }
    }
    let mut ok = 0;
    for _ in 0..rounds {
        for m in &msgs {
            ok += h248_stack::text::decode(std::hint::black_box(m)).is_ok() as usize;
        }
    }
    println!("{ok}");
}
