// Package untrusted renders text that comes from the cluster, a repository or a comment into
// the places people read it, one function per sink:
//
//   - MarkdownText, MarkdownCode, MarkdownBlock and HTMLCode: parts of a Markdown reply (an
//     issue comment) or of a pull request's body;
//   - PullTitle: a pull request's title;
//   - PullBody: a pull request's body, bounded, with Rigel's own trailer ("Closes #N") after it;
//   - CommitMessage: a commit's subject and body, bounded, with Rigel's own trailer;
//   - CheckOutput: a check run's output summary or text, bounded.
//
// Each neutralises what GitHub would act on or render from the text: @mentions (a zero-width
// joiner after the @, so nobody is notified), issue references and so issue-closing keywords
// ("Closes #1", "fixes acme/other#2", "GH-3": a joiner after # and GH-), links and autolinks
// (a joiner in "://" and "www."), HTML (escaped), HTML comment delimiters (a joiner inside
// "<!--" and "-->", so no text hides the rest of a reply or becomes one of Rigel's markers),
// backticks that would end a code span, table pipes, and invisible or bidi characters (shown
// as <U+XXXX>); and each bounds the length, ending cut text with "…" and a note.
//
// Text mixes Rigel's own words with untrusted values (Code, Quote) and renders them for one
// sink when it is written (Markdown, Plain), so a finding made from an event message is safe
// in a reply, a pull request and a commit alike. The joiners read as nothing; Visible keeps
// them where they neutralise something, so quoting twice shows the same text.
package untrusted
