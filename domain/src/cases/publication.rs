//! What of a case anyone may read (Open311): whether it counts as open, and
//! its description with what would name or reach a person taken out.

use uuid::Uuid;

use super::{CaseStatus, Resident};

/// Open311's two states: a case is `open` until it ends (`closed`, `rejected`, `cancelled`).
pub fn open311_status(status: CaseStatus) -> &'static str {
    if status.is_final() {
        "closed"
    } else {
        "open"
    }
}

/// The id of the case an integration files under its own ticket number: the
/// same key and number always name the same case, so a number sent twice,
/// even by two nodes at once, files one case.
pub fn external_case_id(api_key_id: Uuid, external_ref: &str) -> Uuid {
    let mut name = api_key_id.as_bytes().to_vec();
    name.extend_from_slice(external_ref.as_bytes());
    Uuid::new_v5(&EXTERNAL_REF_NAMESPACE, &name)
}

const EXTERNAL_REF_NAMESPACE: Uuid = Uuid::from_u128(0x6f70_656e_3331_4c00_9e11_0000_0000_0001);

const MASK: &str = "***";

/// A description as it may be published: the resident's name, phone and
/// e-mail, and anything shaped like a phone number or an e-mail address,
/// replaced by `***`. A worker writes for colleagues; the public reads it.
pub fn scrub(text: &str, resident: Option<&Resident>) -> String {
    let mut out = text.to_owned();
    if let Some(r) = resident {
        for known in [Some(&r.name), r.phone.as_ref(), r.email.as_ref()].into_iter().flatten() {
            let known = known.trim();
            if known.chars().count() >= 2 {
                out = out.replace(known, MASK);
            }
        }
    }
    mask_phones(&mask_emails(&out))
}

fn email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn mask_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let start = (0..i).rev().take_while(|&j| email_local(chars[j])).last();
            let end = (i + 1..chars.len()).take_while(|&j| email_domain(chars[j])).last();
            if let (Some(start), Some(end)) = (start, end) {
                let domain: String = chars[i + 1..=end].iter().collect();
                if start >= copied && domain.trim_matches('.').contains('.') {
                    out.extend(&chars[copied..start]);
                    out.push_str(MASK);
                    copied = end + 1;
                    i = end;
                }
            }
        }
        i += 1;
    }
    out.extend(&chars[copied..]);
    out
}

/// Runs of digits, with single spaces or hyphens between groups, of 7 to 15
/// digits: mobile and fixed-line numbers. A date (`2026-12-06`) stays.
fn mask_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        let mut groups = vec![0usize];
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                *groups.last_mut().unwrap_or(&mut 0) += 1;
                end = j;
                j += 1;
            } else if matches!(chars[j], ' ' | '-') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                groups.push(0);
                j += 1;
            } else {
                break;
            }
        }
        let digits: usize = groups.iter().sum();
        let date = groups.len() == 3 && groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2;
        if (7..=15).contains(&digits) && !date {
            out.push_str(MASK);
        } else {
            out.extend(&chars[i..=end]);
        }
        i = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_are_masked_dates_are_not() {
        let text = "张三 13800138000 家门口, call 021-6234 5678 or zhang.san@example.com; 2026-12-06 seen, room 302";
        assert_eq!(scrub(text, None), "张三 *** 家门口, call *** or ***; 2026-12-06 seen, room 302");
    }

    #[test]
    fn the_resident_is_masked_by_name_phone_and_email() {
        let r = Resident { name: "李四".into(), phone: Some("6234-5".into()), email: Some("li@x.cn".into()) };
        assert_eq!(scrub("李四说 6234-5 号门 li@x.cn", Some(&r)), "***说 *** 号门 ***");
    }

    #[test]
    fn an_at_sign_alone_stays() {
        assert_eq!(scrub("a @ b, x@y", None), "a @ b, x@y");
    }

    #[test]
    fn one_ticket_number_is_one_case_per_key() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(external_case_id(a, "T-1"), external_case_id(a, "T-1"));
        assert_ne!(external_case_id(a, "T-1"), external_case_id(b, "T-1"));
        assert_ne!(external_case_id(a, "T-1"), external_case_id(a, "T-2"));
    }
}
