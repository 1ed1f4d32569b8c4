"""minwon: an open-source platform for municipal civil-service call centers (민원 콜센터)."""

__version__ = "0.1.0"
