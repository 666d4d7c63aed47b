//! Digit maps (H.248.1 clause 7.1.14) and the `dd/ce` completion event
//! (H.248.1 E.6.2): the digits a termination collects are matched against
//! the map's alternatives; the completion method is UM (unambiguous match),
//! FM (full match completed by the timer or an unmatched digit) or PM
//! (partial match).
//!
//! Supported syntax: alternatives separated by `|` (optionally in
//! parentheses), the symbols `0`-`9`, `A`-`D`, `E` (`*`) and `F` (`#`),
//! `x` (any of `0`-`9`), ranges and lists in brackets (`[1-7]`, `[135]`),
//! `.` (zero or more of the preceding element). The timer symbols `T`, `S`,
//! `L` and `Z` are skipped: timing is the engine's inter-digit timer.

/// One element of an alternative: the symbols it accepts and whether it
/// repeats (`.`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    symbols: Vec<char>,
    repeat: bool,
}

/// A parsed digit map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitMap {
    alternatives: Vec<Vec<Element>>,
}

/// Where the collected digits stand against the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchState {
    /// One alternative matches and no longer string can match: report UM.
    Unambiguous,
    /// An alternative matches, but a longer string could too: wait for the
    /// short timer, then report FM.
    Full,
    /// A prefix of some alternative: wait for more digits (long timer,
    /// then PM).
    Partial,
    /// No alternative can match any more: report at once.
    NoMatch,
}

/// The digit-map symbol of a DTMF event (`dd/d0`.. `dd/dd`, `dd/ds` `*` =
/// `E`, `dd/do` `#` = `F`; H.248.1 E.6.3).
pub fn symbol_of_event(name: &str) -> Option<char> {
    let (package, item) = name.split_once('/')?;
    if !package.eq_ignore_ascii_case("dd") {
        return None;
    }
    let item = item.to_ascii_lowercase();
    let rest = item.strip_prefix('d')?;
    let mut chars = rest.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    match c {
        '0'..='9' => Some(c),
        'a'..='d' => Some(c.to_ascii_uppercase()),
        's' => Some('E'),
        'o' => Some('F'),
        _ => None,
    }
}

impl DigitMap {
    /// Parses a digit map body; `None` when it is not one this module reads.
    pub fn parse(body: &str) -> Option<DigitMap> {
        let body = body.trim();
        let body = body
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .unwrap_or(body);
        let mut alternatives = Vec::new();
        for alternative in body.split('|') {
            let mut elements: Vec<Element> = Vec::new();
            let mut chars = alternative
                .chars()
                .filter(|c| !c.is_whitespace())
                .peekable();
            while let Some(c) = chars.next() {
                let symbols = match c.to_ascii_uppercase() {
                    d @ ('0'..='9' | 'A'..='F') => vec![d],
                    'X' => ('0'..='9').collect(),
                    'T' | 'S' | 'L' | 'Z' => continue,
                    '.' => {
                        let last = elements.last_mut()?;
                        last.repeat = true;
                        continue;
                    }
                    '[' => {
                        let mut set = Vec::new();
                        let mut prev: Option<char> = None;
                        loop {
                            let c = chars.next()?.to_ascii_uppercase();
                            match c {
                                ']' => break,
                                '-' => {
                                    let from = prev?;
                                    let to = chars.next()?.to_ascii_uppercase();
                                    if to < from {
                                        return None;
                                    }
                                    set.extend((from..=to).filter(|c| c.is_ascii_hexdigit()));
                                    prev = None;
                                }
                                '0'..='9' | 'A'..='F' => {
                                    set.push(c);
                                    prev = Some(c);
                                }
                                'X' => set.extend('0'..='9'),
                                _ => return None,
                            }
                        }
                        set
                    }
                    _ => return None,
                };
                elements.push(Element {
                    symbols,
                    repeat: false,
                });
            }
            if elements.is_empty() {
                return None;
            }
            alternatives.push(elements);
        }
        Some(DigitMap { alternatives })
    }

    /// Matches the digits collected so far.
    pub fn state(&self, digits: &str) -> MatchState {
        let mut any_full = false;
        let mut any_more = false;
        for alternative in &self.alternatives {
            let (full, more) = run(alternative, digits);
            any_full |= full;
            any_more |= more;
        }
        match (any_full, any_more) {
            (true, false) => MatchState::Unambiguous,
            (true, true) => MatchState::Full,
            (false, true) => MatchState::Partial,
            (false, false) => MatchState::NoMatch,
        }
    }
}

/// Runs one alternative (an NFA over element positions) on `digits`:
/// whether it matches them all, and whether it can take more.
fn run(elements: &[Element], digits: &str) -> (bool, bool) {
    let closure = |set: &mut Vec<bool>| {
        for i in 0..elements.len() {
            if set[i] && elements[i].repeat {
                set[i + 1] = true;
            }
        }
    };
    let mut states = vec![false; elements.len() + 1];
    states[0] = true;
    closure(&mut states);
    for c in digits.chars() {
        let mut next = vec![false; elements.len() + 1];
        for i in 0..elements.len() {
            if states[i] && elements[i].symbols.contains(&c) {
                if elements[i].repeat {
                    next[i] = true;
                } else {
                    next[i + 1] = true;
                }
            }
        }
        closure(&mut next);
        states = next;
    }
    let full = states[elements.len()];
    let more = states[..elements.len()].iter().any(|s| *s);
    (full, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_alternatives_ranges_and_repeats() {
        let map = DigitMap::parse("(0T|00T|[1-7]xxx|8xxxxxxx|Fxx|Exx|9x.F)").unwrap();
        assert_eq!(map.state(""), MatchState::Partial);
        assert_eq!(map.state("0"), MatchState::Full);
        assert_eq!(map.state("00"), MatchState::Unambiguous);
        assert_eq!(map.state("123"), MatchState::Partial);
        assert_eq!(map.state("1234"), MatchState::Unambiguous);
        assert_eq!(map.state("12345"), MatchState::NoMatch);
        assert_eq!(map.state("9"), MatchState::Partial);
        assert_eq!(map.state("9123F"), MatchState::Unambiguous);
        assert_eq!(map.state("E12"), MatchState::Unambiguous);
        assert_eq!(map.state("A"), MatchState::NoMatch);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "()", "1|", "[1-", "[9-1]", ".1", "1?", "[1G]"] {
            assert_eq!(DigitMap::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dtmf_events_map_to_symbols() {
        assert_eq!(symbol_of_event("dd/d7"), Some('7'));
        assert_eq!(symbol_of_event("DD/DA"), Some('A'));
        assert_eq!(symbol_of_event("dd/ds"), Some('E'));
        assert_eq!(symbol_of_event("dd/do"), Some('F'));
        assert_eq!(symbol_of_event("dd/ce"), None);
        assert_eq!(symbol_of_event("g/sc"), None);
    }
}
