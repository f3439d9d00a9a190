// CKKS bootstrapping anchor for OpenFHE: time + precision of one EvalBootstrap on a
// fully packed (N/2 slots) ciphertext, following src/pke/examples/advanced-ckks-bootstrapping.cpp
// and simple-ckks-bootstrapping.cpp (UNIFORM_TERNARY, FLEXIBLEAUTO, HYBRID key switching).
//
// Usage: boot [key=value ...]     (defaults = the example's values: 60/59-bit moduli,
//   levelBudget {4,4}, 10 levels after bootstrapping, OpenFHE's default number of digits)
//   logN=16 slots=<N/2> levels=10 scale=59 first=60 dnum=0 lb0=4 lb1=4
//   sec=128|none  stc=0|1 (StC-first variant)  runs=3  mode=full|params  seed=1
//   keyfile=<path>  (e.g. keyfile=rotkeys.bin: serialize the rotation keys there, report the size)
// Threads: OMP_NUM_THREADS.
//
// Note: at N=2^16 the defaults need log2(QP)=2608 > 1747 (HE-standard 128-bit bound), so with sec=128
// GenCryptoContext refuses them. Runs (`hearth bench --bootstrap --openfhe build/boot` runs S):
//   A (128-bit): boot lb0=3 lb1=3 scale=59 first=60 dnum=5 levels=3            (log2 QP = 1717)
//   S (128-bit): boot lb0=3 lb1=3 scale=59 first=60 dnum=5 levels=3 stc=1
//   C (not 128-bit, the example's parameters): boot sec=none                  (log2 QP = 2608)

#include "openfhe.h"
#include "ciphertext-ser.h"
#include "cryptocontext-ser.h"
#include "key/key-ser.h"
#include "scheme/ckksrns/ckksrns-ser.h"

#include <sys/resource.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace lbcrypto;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}
static double peakRssMiB() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

int main(int argc, char* argv[]) {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::map<std::string, std::string> a = {
        {"logN", "16"}, {"slots", "0"}, {"levels", "10"}, {"scale", "59"}, {"first", "60"},
        {"dnum", "0"},  {"lb0", "4"},   {"lb1", "4"},     {"sec", "128"},  {"stc", "0"},
        {"runs", "3"},  {"mode", "full"}, {"keyfile", ""}, {"seed", "1"}};
    for (int i = 1; i < argc; ++i) {
        std::string s(argv[i]);
        auto p = s.find('=');
        if (p == std::string::npos || !a.count(s.substr(0, p))) {
            std::cerr << "bad argument: " << s << "\n";
            return 2;
        }
        a[s.substr(0, p)] = s.substr(p + 1);
    }
    const uint32_t logN   = std::stoul(a["logN"]);
    const uint32_t N      = 1u << logN;
    const uint32_t slots  = std::stoul(a["slots"]) ? std::stoul(a["slots"]) : N / 2;
    const uint32_t levelsAfter = std::stoul(a["levels"]);
    const bool stc        = a["stc"] == "1";
    const int runs        = std::stoi(a["runs"]);

    // ---------------- parameters ----------------
    CCParams<CryptoContextCKKSRNS> parameters;
    SecretKeyDist secretKeyDist = UNIFORM_TERNARY;
    parameters.SetSecretKeyDist(secretKeyDist);
    parameters.SetSecurityLevel(a["sec"] == "128" ? HEStd_128_classic : HEStd_NotSet);
    parameters.SetRingDim(N);
    parameters.SetBatchSize(slots);
    parameters.SetKeySwitchTechnique(HYBRID);
    if (std::stoul(a["dnum"]))
        parameters.SetNumLargeDigits(std::stoul(a["dnum"]));
    parameters.SetScalingModSize(std::stoul(a["scale"]));
    parameters.SetFirstModSize(std::stoul(a["first"]));
    parameters.SetScalingTechnique(FLEXIBLEAUTO);
    std::vector<uint32_t> levelBudget = {(uint32_t)std::stoul(a["lb0"]), (uint32_t)std::stoul(a["lb1"])};
    std::vector<uint32_t> bsgsDim     = {0, 0};
    uint32_t bootDepth = FHECKKSRNS::GetBootstrapDepth(levelBudget, secretKeyDist);
    uint32_t depth     = levelsAfter + bootDepth;
    parameters.SetMultiplicativeDepth(depth);

    std::cout << "OpenFHE " << GetOPENFHEVersion() << "  threads(omp_get_max_threads)=" << omp_get_max_threads()
              << "\nrequest: logN=" << logN << " slots=" << slots << " levelsAfter=" << levelsAfter
              << " bootDepth=" << bootDepth << " depth=" << depth << " scale=" << a["scale"]
              << " first=" << a["first"] << " dnum=" << a["dnum"] << " levelBudget={" << levelBudget[0] << ","
              << levelBudget[1] << "} sec=" << a["sec"] << " variant=" << (stc ? "StC-first" : "ModRaise-first")
              << std::endl;

    CryptoContext<DCRTPoly> cc;
    try {
        cc = GenCryptoContext(parameters);
    }
    catch (std::exception& e) {
        std::cout << "GenCryptoContext FAILED: " << e.what() << std::endl;
        return 1;
    }
    cc->Enable(PKE);
    cc->Enable(KEYSWITCH);
    cc->Enable(LEVELEDSHE);
    cc->Enable(ADVANCEDSHE);
    cc->Enable(FHE);

    auto cp = std::dynamic_pointer_cast<CryptoParametersCKKSRNS>(cc->GetCryptoParameters());
    double logQ = 0, logP = 0;
    for (auto& q : cp->GetElementParams()->GetParams())
        logQ += std::log2(q->GetModulus().ConvertToDouble());
    for (auto& p : cp->GetParamsP()->GetParams())
        logP += std::log2(p->GetModulus().ConvertToDouble());
    std::printf("context: N=%u towersQ=%zu towersP=%zu digits(numPartQ)=%u log2Q=%.1f log2P=%.1f log2QP=%.1f\n",
                cc->GetRingDimension(), cp->GetElementParams()->GetParams().size(),
                cp->GetParamsP()->GetParams().size(), cp->GetNumPartQ(), logQ, logP, logQ + logP);
    if (a["mode"] == "params")
        return 0;

    // ---------------- setup + keys ----------------
    auto t0 = Clock::now();
    cc->EvalBootstrapSetup(levelBudget, bsgsDim, slots, 0, true, stc);
    auto t1 = Clock::now();
    std::printf("EvalBootstrapSetup: %.2f s  (peak RSS %.0f MiB)\n", secs(t0, t1), peakRssMiB());

    auto tk0     = Clock::now();
    auto keyPair = cc->KeyGen();
    cc->EvalMultKeyGen(keyPair.secretKey);
    auto tk1 = Clock::now();
    cc->EvalBootstrapKeyGen(keyPair.secretKey, slots);
    auto tk2     = Clock::now();
    size_t nRot  = cc->GetEvalAutomorphismKeyMap(keyPair.secretKey->GetKeyTag()).size();
    std::printf("KeyGen+EvalMultKeyGen: %.2f s; EvalBootstrapKeyGen: %.2f s (%zu automorphism keys); total keygen %.2f s  (peak RSS %.0f MiB)\n",
                secs(tk0, tk1), secs(tk1, tk2), nRot, secs(tk0, tk2), peakRssMiB());

    // ---------------- input ----------------
    std::mt19937_64 gen(std::stoull(a["seed"]));
    std::uniform_real_distribution<double> dis(-1.0, 1.0);
    std::vector<double> x(slots);
    for (auto& v : x)
        v = dis(gen);
    // Depleted ciphertext (ModRaise-first); StC-first needs lb1 extra levels before bootstrapping.
    uint32_t encLevel = stc ? depth - 1 - levelBudget[1] : depth - 1;
    Plaintext ptxt    = cc->MakeCKKSPackedPlaintext(x, 1, encLevel, nullptr, slots);
    ptxt->SetLength(slots);
    auto ct = cc->Encrypt(keyPair.publicKey, ptxt);
    std::printf("input: level %u, levels remaining %u\n", (unsigned)ct->GetLevel(), depth - (unsigned)ct->GetLevel());

    auto precision = [&](const Ciphertext<DCRTPoly>& c, const char* tag) {
        Plaintext res;
        cc->Decrypt(keyPair.secretKey, c, &res);
        res->SetLength(slots);
        auto y = res->GetRealPackedValue();
        double sumBits = 0, worstBits = 1e9, maxErr = 0, sumAbs = 0;
        std::vector<double> bits(slots);
        for (uint32_t i = 0; i < slots; ++i) {
            double e = std::abs(y[i] - x[i]);
            maxErr   = std::max(maxErr, e);
            sumAbs += e;
            bits[i] = -std::log2(std::max(e, 1e-30));
            sumBits += bits[i];
            worstBits = std::min(worstBits, bits[i]);
        }
        std::sort(bits.begin(), bits.end());
        uint32_t below10 = std::count_if(bits.begin(), bits.end(), [](double b) { return b < 10; });
        // "mean"/"worst": mean and minimum over slots of -log2|err|;
        // "HE-std": -log2(mean |err|) (the metric of OpenFHE's iterative-ckks-bootstrapping example).
        std::printf("precision %s: mean %.2f bits, worst %.2f bits, median %.2f, 0.1%%-quantile %.2f, HE-std -log2(mean|err|) %.2f; max abs err %.3e; slots < 10 bits: %u\n",
                    tag, sumBits / slots, worstBits, bits[slots / 2], bits[slots / 1000], -std::log2(sumAbs / slots),
                    maxErr, below10);
    };
    precision(ct, "fresh (no bootstrap)");

    // ---------------- bootstrap ----------------
    std::vector<double> times;
    Ciphertext<DCRTPoly> out;
    for (int r = 0; r < runs; ++r) {
        auto b0 = Clock::now();
        out     = cc->EvalBootstrap(ct);
        auto b1 = Clock::now();
        times.push_back(secs(b0, b1));
        std::printf("EvalBootstrap run %d: %.3f s (peak RSS %.0f MiB)\n", r + 1, times.back(), peakRssMiB());
    }
    std::printf("EvalBootstrap min: %.3f s\n", *std::min_element(times.begin(), times.end()));
    std::printf("output: levels remaining %u (level %u, noiseScaleDeg %u)\n",
                depth - (unsigned)out->GetLevel() - ((unsigned)out->GetNoiseScaleDeg() - 1), (unsigned)out->GetLevel(),
                (unsigned)out->GetNoiseScaleDeg());
    precision(out, "after bootstrap");
    std::printf("peak RSS (before serialization): %.0f MiB\n", peakRssMiB());

    // ---------------- key sizes ----------------
    if (!a["keyfile"].empty()) {
        const std::string f = a["keyfile"];
        {
            std::ofstream os(f, std::ios::out | std::ios::binary);
            cc->SerializeEvalAutomorphismKey(os, SerType::BINARY, keyPair.secretKey->GetKeyTag());
        }
        auto rotBytes = std::filesystem::file_size(f);
        {
            std::ofstream os(f + ".mult", std::ios::out | std::ios::binary);
            cc->SerializeEvalMultKey(os, SerType::BINARY, keyPair.secretKey->GetKeyTag());
        }
        auto multBytes = std::filesystem::file_size(f + ".mult");
        std::printf("serialized rotation/conjugation keys: %zu keys, %.1f MiB (%.1f MiB/key); relin key %.1f MiB\n",
                    nRot, rotBytes / 1048576.0, rotBytes / 1048576.0 / nRot, multBytes / 1048576.0);
    }
    cc->ClearStaticMapsAndVectors();
    return 0;
}
