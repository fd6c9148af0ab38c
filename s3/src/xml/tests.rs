//! The reading and writing machinery: declarations, ETags, and hostile
//! request bodies refused before quick-xml deserializes them.

use super::*;
use crate::error::S3ErrorCode;

fn code<T: DeserializeOwned + std::fmt::Debug>(body: &[u8]) -> S3ErrorCode {
    match from_xml::<T>(body, 64 * 1024) {
        Ok(v) => panic!("accepted {:?}: {v:?}", String::from_utf8_lossy(body)),
        Err(e) => e.code,
    }
}

#[test]
fn etags() {
    assert_eq!(quote_etag("abc"), "\"abc\"");
    assert_eq!(quote_etag("\"abc\""), "\"abc\"");
    assert_eq!(quote_etag("\""), "\"\"\"");
    assert_eq!(unquote_etag("\"abc-2\""), "abc-2");
    assert_eq!(unquote_etag(" abc "), "abc");
    assert_eq!(unquote_etag("\"abc"), "\"abc");
}

#[test]
fn timestamps_in_xml() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Doc {
        #[serde(rename = "@xmlns", skip_deserializing)]
        xmlns: Xmlns,
        #[serde(rename = "When")]
        when: Timestamp,
    }
    let doc = Doc {
        xmlns: Xmlns,
        when: Timestamp(1_255_369_830_123_000_000),
    };
    let xml = to_xml(&doc);
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Doc xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><When>2009-10-12T17:50:30.123Z</When></Doc>"
    );
    assert_eq!(from_xml::<Doc>(xml.as_bytes(), 1024).unwrap(), doc);
    assert_eq!(
        code::<Doc>(b"<Doc><When>soon</When></Doc>"),
        S3ErrorCode::MalformedXML
    );
}

#[test]
fn escaping_in_text() {
    let t = Tagging::new(vec![Tag::new("<&>\"'", "]]>")]);
    let xml = to_xml(&t);
    assert!(
        xml.contains("<Key>&lt;&amp;&gt;\"'</Key><Value>]]&gt;</Value>"),
        "{xml}"
    );
    let back: Tagging = from_xml(xml.as_bytes(), 1024).unwrap();
    assert_eq!(back.tag_set.tags, t.tag_set.tags);
}

#[test]
fn accepted_forms() {
    // BOM, declaration, comments, processing instructions, CDATA and
    // character references are all ordinary XML.
    let body = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n<?pi x?>\
                <Tagging><TagSet><Tag><Key><![CDATA[a<b]]></Key><Value>&#x41;&#66;&lt;</Value></Tag></TagSet></Tagging>\n";
    let t: Tagging = from_xml(body.as_bytes(), 1024).unwrap();
    assert_eq!(t.tag_set.tags, vec![Tag::new("a<b", "AB<")]);
}

#[test]
fn hostile_bodies() {
    use S3ErrorCode::*;
    let billion_laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<Tagging><TagSet><Tag><Key>&lol9;</Key><Value>v</Value></Tag></TagSet></Tagging>"#;
    let cases: Vec<(&[u8], S3ErrorCode)> = vec![
        (billion_laughs, MalformedXML),
        // External entity (XXE).
        (
            br#"<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Tagging><TagSet><Tag><Key>&xxe;</Key><Value/></Tag></TagSet></Tagging>"#,
            MalformedXML,
        ),
        // A bare DOCTYPE without entities.
        (b"<!DOCTYPE Tagging><Tagging><TagSet/></Tagging>", MalformedXML),
        // An undeclared entity, in text and in an attribute.
        (b"<Tagging><TagSet><Tag><Key>&foo;</Key><Value/></Tag></TagSet></Tagging>", MalformedXML),
        (b"<Tagging a=\"&foo;\"><TagSet/></Tagging>", MalformedXML),
        // NUL through a character reference; a malformed one.
        (b"<Tagging><TagSet><Tag><Key>&#0;</Key><Value/></Tag></TagSet></Tagging>", MalformedXML),
        (b"<Tagging><TagSet><Tag><Key>&#xZZ;</Key><Value/></Tag></TagSet></Tagging>", MalformedXML),
        // Not UTF-8.
        (b"<Tagging><TagSet><Tag><Key>\xff\xfe</Key><Value/></Tag></TagSet></Tagging>", MalformedXML),
        // Not well-formed.
        (b"<Tagging><TagSet></Tagging>", MalformedXML),
        (b"<Tagging><TagSet/>", MalformedXML),
        (b"<Tagging><TagSet/></Tagging><Tagging/>", MalformedXML),
        (b"text<Tagging><TagSet/></Tagging>", MalformedXML),
        (b"not xml at all", MalformedXML),
        (b"<Tagging><TagSet/></Tagging>trailing", MalformedXML),
        // Deep nesting.
        (
            format!("<Tagging>{}{}</Tagging>", "<a>".repeat(100), "</a>".repeat(100))
                .into_bytes()
                .leak(),
            MalformedXML,
        ),
        // Empty.
        (b"", MissingRequestBodyError),
        (b" \n ", MissingRequestBodyError),
    ];
    for (body, expected) in cases {
        assert_eq!(
            code::<Tagging>(body),
            expected,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn oversized_body_is_refused_unread() {
    let body = format!(
        "<Delete>{}</Delete>",
        "<Object><Key>k</Key></Object>".repeat(1000)
    );
    let err = from_xml::<Delete>(body.as_bytes(), body.len() - 1).unwrap_err();
    assert_eq!(err.code, S3ErrorCode::MaxMessageLengthExceeded);
    assert!(from_xml::<Delete>(body.as_bytes(), body.len()).is_ok());
    // The limit applies before anything else is looked at.
    let err = from_xml::<Delete>(&[0xff; 100], 10).unwrap_err();
    assert_eq!(err.code, S3ErrorCode::MaxMessageLengthExceeded);
}

#[test]
fn wide_billion_laughs_costs_nothing() {
    // Many references to an undeclared entity: refused at the first one,
    // never expanded.
    let body = format!(
        "<!DOCTYPE x [<!ENTITY a \"{}\">]><Tagging><TagSet><Tag><Key>{}</Key><Value/></Tag></TagSet></Tagging>",
        "x".repeat(1000),
        "&a;".repeat(10_000)
    );
    let start = std::time::Instant::now();
    assert_eq!(
        from_xml::<Tagging>(body.as_bytes(), 1 << 20)
            .unwrap_err()
            .code,
        S3ErrorCode::MalformedXML
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn line_ends_in_values_read_back_as_themselves() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Doc {
        #[serde(rename = "Prefix")]
        prefix: String,
        #[serde(rename = "@Id")]
        id: String,
    }
    // What a reader folds to `\n` when it stands raw: CR, NEL, LINE
    // SEPARATOR; a CR LF pair must not become one `\n` either.
    let doc = Doc {
        prefix: "logs\r/a\u{85}b\u{2028}c\r\nd\ne".to_owned(),
        id: "x\ry".to_owned(),
    };
    let xml = to_xml(&doc);
    assert!(!xml.contains(FOLDED_LINE_ENDS), "{xml:?}");
    let body = xml.strip_prefix(XML_DECLARATION).unwrap();
    let back: Doc = from_xml(body.as_bytes(), 64 * 1024).unwrap();
    assert_eq!(back, doc);
}
