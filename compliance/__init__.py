"""Check residential plans against Chinese community eldercare facility standards (社区养老服务设施配建)."""

__version__ = "0.1.0"
