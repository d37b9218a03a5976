/* JSON reader on jsmn (strict mode, parent links).  Tokens are offsets
 * into the caller's buffer, which must outlive the document.  On top of
 * jsmn it rejects trailing garbage and several top-level values, bad
 * literals and numbers, raw control characters in strings, invalid UTF-8,
 * invalid \u escapes (lone surrogates included), and it caps depth. */
#ifndef WH_JSON_H
#define WH_JSON_H

#include <stddef.h>

enum json_type {
	JSON_OBJECT = 1,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL
};

struct json_tok {
	enum json_type	 t_type;
	int		 t_start;	/* strings: after the opening quote */
	int		 t_end;		/* strings: at the closing quote */
	int		 t_size;	/* members of objects/elements of arrays */
	int		 t_parent;	/* -1 for the root */
};

struct json_doc {
	const char	*d_js;
	size_t		 d_len;
	struct json_tok	*d_tok;
	int		 d_ntok;
};

#define JSON_MAX_DEPTH	64

/* 0 on success.  On failure -1, and err holds a message that says where:
 * "line 3, column 14: expected ',' or '}' after object member". */
int	 json_parse(struct json_doc *, const char *js, size_t len,
	    int max_depth, char *err, size_t errsz);
void	 json_free(struct json_doc *);

/* Index of the token after tok and its whole subtree. */
int	 json_skip(const struct json_doc *, int tok);
/* Value token of key in object obj, or -1. */
int	 json_get(const struct json_doc *, int obj, const char *key);
/* Element i of array arr, or -1. */
int	 json_index(const struct json_doc *, int arr, int i);

/* Unescaped copy of a string token (malloc'd, NUL-terminated; a string
 * holding \u0000 is refused with NULL so C strings stay honest). */
char	*json_strdup(const struct json_doc *, int tok);
/* Does string token tok unescape to exactly s? */
int	 json_streq(const struct json_doc *, int tok, const char *s);
/* Integer number token in [min, max]: 0, else -1. */
int	 json_int(const struct json_doc *, int tok, long long min,
	    long long max, long long *out);
int	 json_bool(const struct json_doc *, int tok, int *out);
/* Raw bytes of any token's value (strings include their quotes). */
const char *json_raw(const struct json_doc *, int tok, size_t *len);

#endif
