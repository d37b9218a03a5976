/* GET /api/v1/openapi.json: the OpenAPI 3.1 document of the API.  The
 * file is www/openapi.json, compiled in by make (openapi_doc.c), so the
 * document always matches the program that serves it. */
#include "config.h"

#include <stddef.h>

#include "req.h"
#include "routes.h"

extern const unsigned char openapi_doc[];
extern const size_t openapi_doc_len;

void
api_openapi_get(struct req *r)
{
	req_add_header(r, "Access-Control-Allow-Origin", "*");
	req_respond(r, 200, "application/json", (const char *)openapi_doc,
	    openapi_doc_len);
}
