/* IMAP API: how the bytes travel. COMPRESS=DEFLATE (RFC 4978; the engine side in compress.c,
 * the layer in core/net/deflate.c) and BINARY.SIZE (RFC 3516; binary.c). */
#include <string.h>

#include "api.h"

int ImapCompress(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_compress(c->e), 0);
}

int ImapGetCompressionInfo(HCLIENT hClient, IMAPCOMPRESSINFO *lpInfo)
{
    if (!lpInfo || lpInfo->dwSize < sizeof *lpInfo)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "an IMAPCOMPRESSINFO with dwSize set is required");
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    uint32_t size = lpInfo->dwSize;
    memset(lpInfo, 0, sizeof *lpInfo);
    lpInfo->dwSize = size;
    lpInfo->bActive = mw_session_compress_stats(c->s, &lpInfo->nWireIn, &lpInfo->nWireOut,
                                                &lpInfo->nDataIn, &lpInfo->nDataOut);
    return 0;
}

int ImapGetPartSize(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                    const char *lpszSection, uint64_t *lpnSize)
{
    if (!lpnSize)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a place for the size is required");
    *lpnSize = 0;
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(
        c, mw_imap_op_binary_size(c->e, nMessageId, dwOptions, lpszSection, lpnSize), 0);
}
