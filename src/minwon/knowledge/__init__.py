"""Knowledge base of standard answers (표준 답변)."""
