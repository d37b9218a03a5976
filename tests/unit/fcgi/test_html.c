/* html: the one escaper and the escaping printf. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "html.h"
#include "t.h"

int
main(void)
{
	struct buf	 b;

	buf_init(&b);
	html_esc(&b, "\"><script>alert(1)</script>");
	T_CHECK(strcmp(buf_cstr(&b), "&quot;&gt;&lt;script&gt;alert(1)"
	    "&lt;/script&gt;") == 0, "markup is escaped");
	buf_reset(&b);
	html_esc(&b, "a & b ' c");
	T_CHECK(strcmp(buf_cstr(&b), "a &amp; b &#39; c") == 0,
	    "ampersands and single quotes are escaped");
	buf_reset(&b);
	html_esc(&b, NULL);
	T_CHECK(b.b_len == 0, "NULL writes nothing");
	buf_reset(&b);
	html_printf(&b, "<a href=\"%s\" title='%s'>%d %lld %llu %zu 100%%</a>",
	    "x\"onmouseover=\"y", "it's", 7, -5LL, 18446744073709551615ULL,
	    (size_t)64);
	T_CHECK(strcmp(buf_cstr(&b), "<a href=\"x&quot;onmouseover=&quot;y\" "
	    "title='it&#39;s'>7 -5 18446744073709551615 64 100%</a>") == 0,
	    "html_printf escapes every %%s and formats numbers (%s)",
	    buf_cstr(&b));
	buf_reset(&b);
	html_escn(&b, "<\0>", 3);
	T_CHECK(b.b_len == 9 && memcmp(b.b_data, "&lt;\0&gt;", 9) == 0,
	    "counted escaping keeps every byte");
	buf_free(&b);
	return t_done();
}
