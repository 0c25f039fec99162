package commands

import "testing"

func TestQuoting(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"plain text is kept", code("web"), "`web`"},
		{"backticks cannot close the span", code("a`b``c"), "`a'b''c`"},
		{"zero-width space", code("diff\u200b"), "`diff<U+200B>`"},
		{"right-to-left override", code("\u202eweb"), "`<U+202E>web`"},
		{"byte order mark", code("\ufeffweb"), "`<U+FEFF>web`"},
		{"control characters", code("a\nb\x1b"), "`a<U+000A>b<U+001B>`"},
		{"non-ASCII letters are letters", code("dіff ｒｉｇｅｌ"), "`dіff ｒｉｇｅｌ`"},
		{"HTML in <code>", htmlCode("</code><img src=x>"), "<code>&lt;/code&gt;&lt;img src=x&gt;</code>"},
		{"a table cell in <code>", htmlCode("a|b"), "<code>a&#124;b</code>"},
		{"markdown text", mdText("see [x](http://e) `y` <b>|"), "see \\[x\\](http://e) 'y' &lt;b&gt;\\|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
