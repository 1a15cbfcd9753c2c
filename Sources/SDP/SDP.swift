// placeholder: the SDP module (issue 3)
