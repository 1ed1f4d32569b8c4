from minwon.core.crypto import decrypt, encrypt, mask_phone, normalise_phone


def test_encrypt_roundtrip_and_mask() -> None:
    token = encrypt("01012345678")
    assert "01012345678" not in token
    assert decrypt(token) == "01012345678"
    assert mask_phone("010-1234-5678") == "010-****-5678"
    assert normalise_phone("+82 10-1234-5678") == "01012345678"


def test_login_page_renders(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/login")
    assert r.status_code == 200
    assert "minwon_prelogin" in r.headers["set-cookie"]
