#include <string.h>
#include <srtp2/srtp.h>

/*
 * Creates an SRTP session for one SDES suite and one direction, so Swift does
 * not have to fill srtp_policy_t by hand.
 *   suite_tag_bits: 80 (AES_CM_128_HMAC_SHA1_80) or 32 (AES_CM_128_HMAC_SHA1_32)
 *   inbound:        1 for srtp_unprotect (any inbound SSRC), 0 for srtp_protect
 *   key:            30 bytes: 16-byte master key || 14-byte master salt; only
 *                   read during the call (libsrtp derives its session keys).
 * SRTCP always uses the 80-bit tag (RFC 4568 section 6.2.1).
 */
static inline srtp_err_status_t sb_srtp_create(srtp_t *session, int suite_tag_bits, int inbound,
                                               const unsigned char *key, unsigned long window_size) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (suite_tag_bits == 32) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    }
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.ssrc.value = 0;
    policy.key = (unsigned char *)key;
    policy.window_size = window_size;
    policy.allow_repeat_tx = 0;
    policy.next = NULL;
    return srtp_create(session, &policy);
}

/*
 * Adds a stream for one specific SSRC to an existing session, with the same
 * suite and key material as sb_srtp_create, so that its rollover counter can
 * be set with srtp_set_stream_roc (which needs a stream for the SSRC: the
 * any-SSRC template only makes one on the first packet). The stream's
 * direction is fixed by its first srtp_protect or srtp_unprotect.
 *   ssrc: host byte order.
 */
static inline srtp_err_status_t sb_srtp_add_ssrc_stream(srtp_t session, int suite_tag_bits, const unsigned char *key,
                                                        unsigned long window_size, uint32_t ssrc) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (suite_tag_bits == 32) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    }
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    policy.ssrc.type = ssrc_specific;
    policy.ssrc.value = ssrc;
    policy.key = (unsigned char *)key;
    policy.window_size = window_size;
    policy.allow_repeat_tx = 0;
    policy.next = NULL;
    return srtp_add_stream(session, &policy);
}
