// Per-rule cases, written from the formats: card brands and Luhn, email
// addresses, JWTs, AWS key ids, Authorization headers, URL credentials,
// key=value secrets, and the off-by-default rules.
#include <string>

#include "gtest/gtest.h"
#include "redact/redactor.h"
#include "tests/redact/redact_test_util.h"

namespace silt::redact {
namespace {

using testing::Only;
using testing::RedactFixture;

constexpr const char* kCard = "[REDACTED:credit_card]";

// Appends the Luhn check digit to `body`.
std::string WithLuhn(const std::string& body) {
  for (char d = '0'; d <= '9'; ++d) {
    std::string n = body + d;
    int sum = 0;
    bool twice = false;
    for (size_t i = n.size(); i-- > 0;) {
      int v = n[i] - '0';
      if (twice) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
      twice = !twice;
    }
    if (sum % 10 == 0) return n;
  }
  return "";
}

class CreditCardTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"credit_card"})); }
  bool Redacted(const std::string& number) {
    return Text("card " + number + " charged") ==
           std::string("card ") + kCard + " charged";
  }
};

TEST_F(CreditCardTest, EachBrandsTestNumbersAreRedacted) {
  for (const char* n : {
           "4111111111111111",  // Visa
           "4012888888881881",  // Visa
           "4222222222222",     // Visa, 13 digits
           "5555555555554444",  // Mastercard
           "5105105105105100",  // Mastercard
           "2221000000000009",  // Mastercard 2-series
           "378282246310005",   // American Express, 15 digits
           "371449635398431",   // American Express
           "6011111111111117",  // Discover
           "6011000990139424",  // Discover
           "3530111333300000",  // JCB
           "3566002020360505",  // JCB
           "30569309025904",    // Diners Club, 14 digits
           "38520000023237",    // Diners Club
           "6200000000000005",  // UnionPay
           "6759649826438453",  // Maestro
       }) {
    EXPECT_TRUE(Redacted(n)) << n;
  }
  EXPECT_TRUE(Redacted(WithLuhn("400000000000000000")));  // 19 digits
}

TEST_F(CreditCardTest, FailingLuhnIsLeftAlone) {
  for (const char* n : {"4111111111111112", "5555555555554445",
                        "378282246310006", "6011111111111118"}) {
    EXPECT_FALSE(Redacted(n)) << n;
  }
}

TEST_F(CreditCardTest, GroupedBySpacesOrDashes) {
  EXPECT_EQ(Text("4111 1111 1111 1111"), kCard);
  EXPECT_EQ(Text("4111-1111-1111-1111"), kCard);
  EXPECT_EQ(Text("Amex 3782 822463 10005."),
            std::string("Amex ") + kCard + ".");
  EXPECT_EQ(Text("Diners 3056 930902 5904"), std::string("Diners ") + kCard);
  EXPECT_EQ(Text("4222 2222 2222 2"), kCard);
  // Mixed separators are not one grouping; neither group is a card alone.
  EXPECT_EQ(Text("4111 1111-1111 1111"), "4111 1111-1111 1111");
  // A card inside a longer run of groups is still found by its groups.
  EXPECT_EQ(Text("ref 12 4111 1111 1111 1111"), std::string("ref 12 ") + kCard);
}

TEST_F(CreditCardTest, NumbersThatAreNotCardsAreLeftAlone) {
  // Epoch nanoseconds pass Luhn but no issuer starts with 1.
  EXPECT_EQ(Text("ts=1714564800001409073"), "ts=1714564800001409073");
  // Inside hex (a trace id), next to letters, inside a decimal, too long.
  EXPECT_EQ(Text("a4111111111111111f"), "a4111111111111111f");
  EXPECT_EQ(Text("x_4111111111111111"), "x_4111111111111111");
  EXPECT_EQ(Text("0.4111111111111111"), "0.4111111111111111");
  EXPECT_EQ(Text("41111111111111110000"), "41111111111111110000");
  EXPECT_EQ(Text("12 digits 411111111111"), "12 digits 411111111111");
  // UUIDs made of digits only.
  EXPECT_EQ(Text("12345678-1234-1234-1234-123456789012"),
            "12345678-1234-1234-1234-123456789012");
}

TEST_F(CreditCardTest, InJsonStringsAndNumbers) {
  EXPECT_EQ(Json(R"({"card":"4111111111111111","n":1})"),
            R"({"card":"[REDACTED:credit_card]","n":1})");
  // A bare number becomes a string, so the line stays valid JSON.
  EXPECT_EQ(Json(R"({"card":4111111111111111})"),
            R"({"card":"[REDACTED:credit_card]"})");
  EXPECT_EQ(Json(R"({"ts":1714564800001409073,"n":4111111111111112})"),
            R"({"ts":1714564800001409073,"n":4111111111111112})");
}

class EmailTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"email"})); }
};

TEST_F(EmailTest, AddressesWithPlusSubdomainsAndCase) {
  EXPECT_EQ(Text("to alice@example.com now"), "to [REDACTED:email] now");
  EXPECT_EQ(Text("alice+billing@example.com"), "[REDACTED:email]");
  EXPECT_EQ(Text("Bob.Smith_2@mail.eu-west.corp.example.co.uk"),
            "[REDACTED:email]");
  EXPECT_EQ(Text("<first.last%tag@EXAMPLE.ORG>"), "<[REDACTED:email]>");
  EXPECT_EQ(Text("a@b.io, c@d.io"), "[REDACTED:email], [REDACTED:email]");
  EXPECT_EQ(Text("end alice@example.com."), "end [REDACTED:email].");
}

TEST_F(EmailTest, NotAddresses) {
  for (const char* s : {"root@localhost", "@timestamp", "user@host.c",
                        "pkg@1.2.3", "a@.com", "@example.com", "a@b..com"}) {
    EXPECT_EQ(Text(s), s);
  }
}

TEST_F(EmailTest, InJsonAndEscapedJsonStrings) {
  EXPECT_EQ(Json(R"({"user":{"email":"alice+x@example.com"}})"),
            R"({"user":{"email":"[REDACTED:email]"}})");
  EXPECT_EQ(Json(R"({"msg":"mail \"alice@example.com\" bounced"})"),
            R"({"msg":"mail \"[REDACTED:email]\" bounced"})");
  // A \u escape inside the address: the span covers the whole escape.
  EXPECT_EQ(Json(R"({"msg":"x al\u0069ce@example.com y"})"),
            R"({"msg":"x [REDACTED:email] y"})");
}

class JwtTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"jwt"})); }
};

constexpr const char* kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

TEST_F(JwtTest, ThreePartsWithEyJHeader) {
  EXPECT_EQ(Text(std::string("token ") + kJwt + " ok"),
            "token [REDACTED:jwt] ok");
  // Unsecured JWT: empty signature.
  EXPECT_EQ(Text("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."), "[REDACTED:jwt]");
}

TEST_F(JwtTest, NotJwts) {
  for (const char* s :
       {"eyJhbGciOiJIUzI1NiJ9", "eyJhbGci.only",
        "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig", "abc.def.ghi"}) {
    EXPECT_EQ(Text(s), s);
  }
}

class AwsKeyTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"aws_access_key"})); }
};

TEST_F(AwsKeyTest, AkiaAndAsiaPlusSixteen) {
  EXPECT_EQ(Text("key=AKIAIOSFODNN7EXAMPLE,"),
            "key=[REDACTED:aws_access_key],");
  EXPECT_EQ(Text("ASIAY34FZKBOKMUTVV7A"), "[REDACTED:aws_access_key]");
}

TEST_F(AwsKeyTest, NotKeyIds) {
  for (const char* s :
       {"AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLEX", "akiaiosfodnn7example",
        "XAKIAIOSFODNN7EXAMPLE", "AIDAIOSFODNN7EXAMPLE"}) {
    EXPECT_EQ(Text(s), s);
  }
}

class BearerTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"bearer_token"})); }
};

TEST_F(BearerTest, AuthorizationHeadersInText) {
  EXPECT_EQ(Text("Authorization: Bearer abc.def-ghi"),
            "Authorization: Bearer [REDACTED:bearer_token]");
  EXPECT_EQ(Text("authorization=Basic dXNlcjpwYXNz"),
            "authorization=Basic [REDACTED:bearer_token]");
  EXPECT_EQ(Text("Proxy-Authorization: basic dXNlcjpwYXNz x"),
            "Proxy-Authorization: basic [REDACTED:bearer_token] x");
  EXPECT_EQ(Text("sent bearer 0123456789abcdefXYZ"),
            "sent bearer [REDACTED:bearer_token]");
}

TEST_F(BearerTest, NotCredentials) {
  for (const char* s : {"Basic information missing", "bearer short", "Bearer",
                        "Authorization: Negotiate abc"}) {
    EXPECT_EQ(Text(s), s);
  }
}

TEST_F(BearerTest, JsonHeaderObjects) {
  EXPECT_EQ(
      Json(R"({"headers":{"Authorization":"Bearer abc"}})"),
      R"({"headers":{"Authorization":"Bearer [REDACTED:bearer_token]"}})");
  EXPECT_EQ(
      Json(R"({"headers":{"authorization":["Basic dXNlcg=="]}})"),
      R"({"headers":{"authorization":["Basic [REDACTED:bearer_token]"]}})");
  // With secret_key on too, the scheme stays readable.
  Use(RedactOptions{});
  EXPECT_EQ(
      Json(R"({"req":{"headers":{"Authorization":"Bearer abc"}}})"),
      R"({"req":{"headers":{"Authorization":"Bearer [REDACTED:bearer_token]"}}})");
  EXPECT_EQ(Json(R"({"Authorization":"Negotiate abc"})"),
            R"({"Authorization":"[REDACTED:secret_key]"})");
}

class UrlCredentialsTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"url_credentials"})); }
};

TEST_F(UrlCredentialsTest, PasswordOfUserinfo) {
  EXPECT_EQ(Text("dsn=postgres://app:s3cr3t@db:5432/orders"),
            "dsn=postgres://app:[REDACTED:url_credentials]@db:5432/orders");
  EXPECT_EQ(Text("https://u:p@ss@host/x"),
            "https://u:[REDACTED:url_credentials]@host/x");
  EXPECT_EQ(Text("amqps://:tok@mq"), "amqps://:[REDACTED:url_credentials]@mq");
  // JSON may escape the slashes.
  EXPECT_EQ(
      Json(R"({"url":"https:\/\/bob:hunter2@example.com\/a"})"),
      R"({"url":"https:\/\/bob:[REDACTED:url_credentials]@example.com\/a"})");
}

TEST_F(UrlCredentialsTest, NoPasswordNoChange) {
  for (const char* s : {"https://user@host/", "https://host:8080/a",
                        "see https://example.com/a:b@c", "mailto:a:b@c"}) {
    EXPECT_EQ(Text(s), s);
  }
}

class SecretKvTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"secret_kv"})); }
};

TEST_F(SecretKvTest, KeysThenEqualsOrColon) {
  EXPECT_EQ(Text("login password=hunter2 ok"),
            "login password=[REDACTED:secret_kv] ok");
  EXPECT_EQ(Text("GET /cb?code=1&api_key=abc123&x=1"),
            "GET /cb?code=1&api_key=[REDACTED:secret_kv]&x=1");
  EXPECT_EQ(Text("token: abc"), "token: [REDACTED:secret_kv]");
  EXPECT_EQ(Text("DB_PASSWORD = s3cret;"),
            "DB_PASSWORD = [REDACTED:secret_kv];");
  EXPECT_EQ(Text("client_secret=xyz"), "client_secret=[REDACTED:secret_kv]");
  EXPECT_EQ(Text("pwd=1 passwd=2 apikey=3 access-key=4 secret:5"),
            "pwd=[REDACTED:secret_kv] passwd=[REDACTED:secret_kv] "
            "apikey=[REDACTED:secret_kv] access-key=[REDACTED:secret_kv] "
            "secret:[REDACTED:secret_kv]");
  EXPECT_EQ(Text(R"(password="two words" next)"),
            R"(password="[REDACTED:secret_kv]" next)");
  EXPECT_EQ(Text(R"(body {"password":"x"})"),
            R"(body {"password":"[REDACTED:secret_kv]"})");
}

TEST_F(SecretKvTest, NotSecrets) {
  for (const char* s : {"tokens=5", "password_reset=true", "tokenizer: bpe",
                        "password", "secret=", "token: [REDACTED:secret_kv]"}) {
    EXPECT_EQ(Text(s), s);
  }
}

TEST_F(SecretKvTest, InJsonStringsAndUrls) {
  EXPECT_EQ(Json(R"({"url":"/login?user=a&password=b"})"),
            R"({"url":"/login?user=a&password=[REDACTED:secret_kv]"})");
  // An escaped JSON fragment inside a message string.
  EXPECT_EQ(Json(R"({"msg":"body: {\"token\": \"abc\"}"})"),
            R"({"msg":"body: {\"token\": \"[REDACTED:secret_kv]\"}"})");
}

class SecretKeyTest : public RedactFixture {
 protected:
  void SetUp() override { Use(Only({"secret_key"})); }
};

TEST_F(SecretKeyTest, WholeValueOfSecretKeysAtAnyDepth) {
  EXPECT_EQ(Json(R"({"a":{"b":{"password":"x y z","n":1}}})"),
            R"({"a":{"b":{"password":"[REDACTED:secret_key]","n":1}}})");
  EXPECT_EQ(
      Json(R"({"apiKey":"k","x-api-key":"k2","stripe_api_key":"k3"})"),
      R"({"apiKey":"[REDACTED:secret_key]","x-api-key":"[REDACTED:secret_key]","stripe_api_key":"[REDACTED:secret_key]"})");
  EXPECT_EQ(Json(R"({"credentials":{"user":"a","pass":"b"},"pin":1234})"),
            R"({"credentials":"[REDACTED:secret_key]","pin":1234})");
  EXPECT_EQ(
      Json(R"({"db":{"password": 123456 }, "token":[1,"x"]})"),
      R"({"db":{"password": "[REDACTED:secret_key]" }, "token":"[REDACTED:secret_key]"})");
  // Booleans and null say nothing; keys that only start with a word are not
  // secrets.
  EXPECT_EQ(
      Json(R"({"password":null,"has_token":true,"token_count":3,"tokens":2})"),
      R"({"password":null,"has_token":true,"token_count":3,"tokens":2})");
}

TEST_F(SecretKeyTest, NestedEscapedJson) {
  EXPECT_EQ(
      Json(R"({"log":"{\"user\":\"a\",\"password\":\"hunter2\"}\n"})"),
      R"({"log":"{\"user\":\"a\",\"password\":\"[REDACTED:secret_key]\"}\n"})");
  EXPECT_EQ(
      Json(R"({"outer":"{\"inner\":\"{\\\"secret\\\":\\\"s\\\"}\"}"})"),
      R"({"outer":"{\"inner\":\"{\\\"secret\\\":\\\"[REDACTED:secret_key]\\\"}\"}"})");
}

TEST_F(SecretKeyTest, ConfiguredKeyList) {
  RedactOptions o = Only({"secret_key"});
  o.secret_keys = {"pin", "ssn_number"};
  Use(o);
  EXPECT_EQ(
      Json(R"({"pin":"1234","ssnNumber":"x","password":"p"})"),
      R"({"pin":"[REDACTED:secret_key]","ssnNumber":"[REDACTED:secret_key]","password":"p"})");
}

class OffByDefaultTest : public RedactFixture {};

TEST_F(OffByDefaultTest, DefaultsLeaveThemAlone) {
  Use(RedactOptions{});
  const std::string s =
      "from 10.1.2.3 and 2001:db8::8a2e:370:7334 ssn 123-45-6789 iban "
      "DE89370400440532013000";
  EXPECT_EQ(Text(s), s);
}

TEST_F(OffByDefaultTest, Ipv4) {
  Use(Only({"ipv4"}));
  EXPECT_EQ(Text("client 10.1.2.3:443 and 255.255.255.255."),
            "client [REDACTED:ipv4]:443 and [REDACTED:ipv4].");
  for (const char* s : {"256.1.1.1", "1.2.3", "v1.2.3.4", "1.2.3.4.5",
                        "version 10.0.19041.1"}) {
    EXPECT_EQ(Text(s), s);
  }
}

TEST_F(OffByDefaultTest, Ipv6) {
  Use(Only({"ipv6"}));
  EXPECT_EQ(Text("peer 2001:db8::8a2e:370:7334 up"), "peer [REDACTED:ipv6] up");
  EXPECT_EQ(Text("[fe80::1]:8080"), "[[REDACTED:ipv6]]:8080");
  EXPECT_EQ(Text("2001:0db8:0000:0000:0000:ff00:0042:8329"), "[REDACTED:ipv6]");
  EXPECT_EQ(Text("::ffff:192.0.2.1"), "[REDACTED:ipv6]");
  for (const char* s :
       {"12:00:00", "aa:bb:cc:dd:ee:ff", "std::string", "Foo::Bar", "a :: b"}) {
    EXPECT_EQ(Text(s), s);
  }
}

TEST_F(OffByDefaultTest, UsSsn) {
  Use(Only({"us_ssn"}));
  EXPECT_EQ(Text("ssn 123-45-6789."), "ssn [REDACTED:us_ssn].");
  for (const char* s :
       {"000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567",
        "123-45-0000", "1123-45-6789", "123-45-67890"}) {
    EXPECT_EQ(Text(s), s);
  }
}

TEST_F(OffByDefaultTest, Iban) {
  Use(Only({"iban"}));
  EXPECT_EQ(Text("to DE89370400440532013000 now"), "to [REDACTED:iban] now");
  EXPECT_EQ(Text("GB82 WEST 1234 5698 7654 32"), "[REDACTED:iban]");
  EXPECT_EQ(Text("FR1420041010050500013M02606"), "[REDACTED:iban]");
  for (const char* s :
       {"DE89370400440532013001", "DE8937040044", "XDE89370400440532013000"}) {
    EXPECT_EQ(Text(s), s);
  }
}

}  // namespace
}  // namespace silt::redact
