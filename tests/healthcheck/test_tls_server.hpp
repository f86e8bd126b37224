#pragma once
// A TLS HTTP server on 127.0.0.1 for https checker tests, with a self-signed
// certificate made at test time by the OpenSSL API. It records the SNI name
// each handshake carried.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl.hpp>
#include "common/asio.hpp"

namespace vipd::testing {

// Writes a self-signed certificate for `dns_name` (CN and subjectAltName) and
// its P-256 key as PEM files.
inline void writeSelfSignedCertificate(const std::string& dns_name, const std::string& cert_path,
                                       const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("openssl: key or certificate allocation failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(dns_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::string san = "DNS:" + dns_name;
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, san.c_str());
  if (extension == nullptr) throw std::runtime_error("openssl: subjectAltName");
  X509_add_ext(cert.get(), extension, -1);
  X509_EXTENSION_free(extension);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("openssl: signing failed");

  auto write = [](const std::string& path, auto&& emit) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    emit(bio.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    std::ofstream(path, std::ios::binary).write(data, size);
  };
  write(cert_path, [&](BIO* bio) { PEM_write_bio_X509(bio, cert.get()); });
  write(key_path, [&](BIO* bio) { PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
}

class TestTlsServer {
 public:
  TestTlsServer(asio::io_context& io, const std::string& cert_path, const std::string& key_path)
      : context_(asio::ssl::context::tls_server), acceptor_(io) {
    context_.use_certificate_chain_file(cert_path);
    context_.use_private_key_file(key_path, asio::ssl::context::pem);
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    accept();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::string body = "hello over tls";
  int handshakes = 0;  // completed on the server side
  int failed_handshakes = 0;
  std::string last_sni;  // "" when the client sent none
  std::string last_request;

 private:
  using Stream = asio::ssl::stream<asio::ip::tcp::socket>;

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      serve(std::make_shared<Stream>(std::move(socket), context_));
      accept();
    });
  }

  void serve(std::shared_ptr<Stream> stream) {
    stream->async_handshake(asio::ssl::stream_base::server, [this, stream](const boost::system::error_code& ec) {
      if (ec) {
        ++failed_handshakes;
        return;
      }
      ++handshakes;
      const char* sni = SSL_get_servername(stream->native_handle(), TLSEXT_NAMETYPE_host_name);
      last_sni = sni == nullptr ? "" : sni;
      auto buffer = std::make_shared<asio::streambuf>();
      asio::async_read_until(*stream, *buffer, "\r\n\r\n",
                             [this, stream, buffer](const boost::system::error_code& read_error, std::size_t) {
                               if (read_error) return;
                               last_request.assign(asio::buffers_begin(buffer->data()),
                                                   asio::buffers_end(buffer->data()));
                               respond(stream);
                             });
    });
  }

  void respond(std::shared_ptr<Stream> stream) {
    auto text = std::make_shared<std::string>("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                                              "\r\nConnection: close\r\n\r\n" + body);
    asio::async_write(*stream, asio::buffer(*text), [stream, text](const boost::system::error_code&, std::size_t) {
      stream->async_shutdown([stream](const boost::system::error_code&) {});
    });
  }

  asio::ssl::context context_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace vipd::testing
