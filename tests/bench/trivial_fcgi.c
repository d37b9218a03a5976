/* trivial_fcgi: the ingest baseline, the least a FastCGI responder can do.
 *
 * Started by lighttpd (bin-path) exactly as webhooks.fcgi is, it reads
 * and discards each request's body and answers 202 with a small JSON
 * body shaped like the ingest answer.  No database, no parsing: what is
 * left is the cost of lighttpd, the FastCGI protocol and libfcgi. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

int
main(void)
{
	static const char	 answer[] = "Status: 202 Accepted\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 24\r\n\r\n"
	    "{\"id\":1,\"deliveries\":1}\n";
	FCGX_Request		 req;
	char			 buf[16384];

	if (FCGX_Init() != 0)
		return 1;
	if (FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			;
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
